import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  InternalServiceError,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileSecretStore } from "#adapters/secrets/file-secret-store.ts";
import { SecretsManagerStore } from "#adapters/secrets/secrets-manager-store.ts";

const SECRET = "Zq7SecretApiKey9Xw";

describe("FileSecretStore", () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "pacer-secrets-"));
    path = join(dir, "nested", "secrets.json");
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps, reads back and deletes a secret", async () => {
    const store = new FileSecretStore(path);

    await store.put("pacer/connections/c-1", { apiKey: SECRET });
    const read = await store.get("pacer/connections/c-1");
    await store.delete("pacer/connections/c-1");

    expect(read).toEqual({ apiKey: SECRET });
    expect(await store.get("pacer/connections/c-1")).toBeUndefined();
  });

  it("answers undefined before the file exists, and deletes nothing without error", async () => {
    const store = new FileSecretStore(path);

    await store.delete("nothing");

    expect(await store.get("anything")).toBeUndefined();
    await expect(stat(path)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("creates the file readable by its owner only, and tightens one found wider", async () => {
    const store = new FileSecretStore(path);
    await store.put("a", { apiKey: SECRET });
    const created = (await stat(path)).mode & 0o777;

    await chmod(path, 0o644);
    await store.get("a");

    expect(created).toBe(0o600);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("lets another store on the same file see each write at once", async () => {
    const api = new FileSecretStore(path);
    const worker = new FileSecretStore(path);

    await api.put("a", { apiKey: "one" });
    const first = await worker.get("a");
    await api.put("a", { apiKey: "two" });

    expect(first).toEqual({ apiKey: "one" });
    expect(await worker.get("a")).toEqual({ apiKey: "two" });
  });

  it("loses no concurrent write, and a reader never sees a half-written file", async () => {
    const stores = [new FileSecretStore(path), new FileSecretStore(path)];
    await stores[0]?.put("seed", { v: "0" });
    let reading = true;
    const torn: string[] = [];
    const reader = (async () => {
      while (reading) {
        const text = await readFile(path, "utf8");
        try {
          JSON.parse(text);
        } catch {
          torn.push(text);
        }
      }
    })();

    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        stores[i % 2]?.put(`s${i}`, { v: String(i), pad: "x".repeat(2_000) }),
      ),
    );
    reading = false;
    await reader;

    const all = JSON.parse(await readFile(path, "utf8"));
    expect(Object.keys(all)).toHaveLength(41);
    expect(torn).toEqual([]);
    expect((await readdir(join(dir, "nested"))).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("refuses a file that is not a JSON object of secrets, without quoting it", async () => {
    const store = new FileSecretStore(path);
    await store.put("a", { apiKey: "x" });
    await writeFile(path, `{"a": {"apiKey": 1}, "note": "${SECRET}"`);

    const error = await store.get("a").then(
      () => undefined,
      (e: Error) => e,
    );

    expect(error?.message).toContain("does not hold a JSON object of secrets");
    expect(String(error?.message) + String(error?.cause)).not.toContain(SECRET);
  });
});

type Command = { constructor: { name: string }; input: Record<string, unknown> };

/** A Secrets Manager client that records each command and answers with `answer`. */
function stubClient(answer: (command: Command) => unknown) {
  const sent: Command[] = [];
  const client = {
    send: async (command: Command) => {
      sent.push(command);
      const result = answer(command);
      if (result instanceof Error) throw result;
      return result;
    },
  } as unknown as Pick<SecretsManagerClient, "send">;
  return { client, sent };
}

const metadata = { $metadata: {} };

describe("SecretsManagerStore", () => {
  it("creates a tagged, described secret holding the JSON of the credentials", async () => {
    const { client, sent } = stubClient(() => ({}));

    await new SecretsManagerStore({ client }).put("pacer/connections/c-1", { apiKey: SECRET });

    expect(sent).toHaveLength(1);
    expect(sent[0]).toBeInstanceOf(CreateSecretCommand);
    expect(sent[0]?.input).toEqual({
      Name: "pacer/connections/c-1",
      SecretString: JSON.stringify({ apiKey: SECRET }),
      Description: "Pacer connection credentials",
      Tags: [{ Key: "pacer", Value: "connection" }],
    });
  });

  it("puts a new value when the secret exists already (a rotation)", async () => {
    const { client, sent } = stubClient((command) =>
      command instanceof CreateSecretCommand
        ? new ResourceExistsException({ message: "exists", ...metadata })
        : {},
    );

    await new SecretsManagerStore({ client }).put("s", { apiKey: "new" });

    expect(sent[1]).toBeInstanceOf(PutSecretValueCommand);
    expect(sent[1]?.input).toEqual({ SecretId: "s", SecretString: '{"apiKey":"new"}' });
  });

  it("rethrows any other failure to create", async () => {
    const { client } = stubClient(() => new InternalServiceError({ message: "boom", ...metadata }));

    await expect(new SecretsManagerStore({ client }).put("s", { apiKey: "x" })).rejects.toThrow("boom");
  });

  it("reads a secret back, and a missing one as undefined", async () => {
    const { client, sent } = stubClient((command) =>
      command.input.SecretId === "here"
        ? { SecretString: JSON.stringify({ apiKey: SECRET }) }
        : new ResourceNotFoundException({ message: "missing", ...metadata }),
    );
    const store = new SecretsManagerStore({ client });

    expect(await store.get("here")).toEqual({ apiKey: SECRET });
    expect(await store.get("gone")).toBeUndefined();
    expect(sent[0]).toBeInstanceOf(GetSecretValueCommand);
  });

  it("refuses a value that is not a JSON object of strings, without quoting it", async () => {
    const values = [SECRET, JSON.stringify([SECRET]), JSON.stringify({ apiKey: 1, note: SECRET })];
    for (const SecretString of values) {
      const { client } = stubClient(() => ({ SecretString }));

      const error = await new SecretsManagerStore({ client }).get("s").then(
        () => undefined,
        (e: Error) => e,
      );

      expect(error?.message).toBe("secret s does not hold a JSON object of strings");
      expect(error?.cause).toBeUndefined();
    }
  });

  it("deletes with a 7-day recovery window, a missing secret being no error", async () => {
    const { client, sent } = stubClient(
      () => new ResourceNotFoundException({ message: "missing", ...metadata }),
    );

    await new SecretsManagerStore({ client }).delete("s");

    expect(sent[0]).toBeInstanceOf(DeleteSecretCommand);
    expect(sent[0]?.input).toEqual({ SecretId: "s", RecoveryWindowInDays: 7 });
  });

  it("rethrows any other failure to delete", async () => {
    const { client } = stubClient(() => new InternalServiceError({ message: "boom", ...metadata }));

    await expect(new SecretsManagerStore({ client }).delete("s")).rejects.toThrow("boom");
  });
});
