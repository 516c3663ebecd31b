import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSecretStore } from "#adapters/secrets/file-secret-store.ts";
import { LOCAL_FINGERPRINT_KEY_SECRET } from "../aws/handler-env.ts";
import type { RunningFake } from "../fakes/index.ts";
import type { FakeConnection } from "../fakes/types.ts";
import type { LocalLog } from "../log.ts";
import type { Teardown } from "./teardown.ts";

/**
 * The stand-in's secrets: a file of its own (mode 0600, in a private temporary directory removed
 * at stop) where the API keeps connections' credentials, as Secrets Manager does deployed, and
 * where the deployment's fingerprint key is made fresh for this run.
 */
export async function prepareSecrets(teardown: Teardown): Promise<{ readonly file: string }> {
  const dir = await mkdtemp(join(tmpdir(), "pacer-secrets-"));
  await chmod(dir, 0o700);
  teardown.add(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, "secrets.json");
  await new FileSecretStore(file).put(LOCAL_FINGERPRINT_KEY_SECRET, { key: randomBytes(32).toString("hex") });
  return { file };
}

/** What `POST /connections` answered: the connection (id, schedules made) or the refusal's status and message. */
export type ConnectAnswer =
  | { readonly ok: true; readonly connectionId: string; readonly scheduled: number }
  | { readonly ok: false; readonly status: number; readonly message: string };

/** `POST /connections {provider, ...body}` as the token's tenant. The answer never carries credentials. */
export async function postConnection(
  api: string,
  token: string,
  provider: string,
  body: FakeConnection,
): Promise<ConnectAnswer> {
  const response = await fetch(`${api}/connections`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ provider, ...body }),
  });
  const answer = (await response.json().catch(() => undefined)) as
    | { connectionId?: string; syncTypes?: { scheduled: boolean }[]; error?: { message?: string } }
    | undefined;
  if (response.status === 201 && typeof answer?.connectionId === "string") {
    const scheduled = answer.syncTypes?.filter((s) => s.scheduled).length ?? 0;
    return { ok: true, connectionId: answer.connectionId, scheduled };
  }
  return { ok: false, status: response.status, message: answer?.error?.message ?? "" };
}

/**
 * Connects `tenant` to every fake through `POST /connections`, as a user would after deploying:
 * the connections' schedules are created then, in the Scheduler stand-in. Returns each
 * provider's connection id.
 */
export async function connectFakes(
  api: string,
  token: string,
  fakes: Readonly<Record<string, RunningFake>>,
  log: LocalLog,
): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const [provider, fake] of Object.entries(fakes)) {
    const answer = await postConnection(api, token, provider, fake.connection);
    if (!answer.ok) throw new Error(`connecting ${provider} failed: ${answer.status} ${answer.message}`);
    ids[provider] = answer.connectionId;
    log.info(`connected: ${provider} as ${answer.connectionId} (${answer.scheduled} schedules)`);
  }
  return ids;
}
