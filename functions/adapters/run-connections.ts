import type { ConnectionRecord, ConnectionStore, Credentials, SecretStore } from "#core/connections/types.ts";
import type { RunConnections } from "#core/sync-job.ts";

/** How long a worker process keeps a connection's credentials before it reads the secret again. */
const CREDENTIALS_TTL_MS = 5 * 60_000;

/**
 * What a worker run needs of its connection: the record (read fresh each run: a disabled or
 * rotated connection takes effect at once) and its credentials, kept in memory per secret and
 * record version for a few minutes, so a busy worker does not read Secrets Manager per job.
 * Rotation bumps the version, so new credentials are used from the next run on.
 */
export function connectionsForRuns(
  store: Pick<ConnectionStore, "get">,
  secrets: Pick<SecretStore, "get">,
  clock: () => number = Date.now,
): RunConnections {
  const cache = new Map<string, { readonly at: number; readonly value: Promise<Credentials | undefined> }>();
  return {
    get: (tenantId, connectionId) => store.get(tenantId, connectionId),
    credentials(connection: ConnectionRecord) {
      const name = connection.secretName;
      if (name === undefined) return Promise.resolve(undefined);
      const key = `${name}#${connection.version}`;
      const now = clock();
      const hit = cache.get(key);
      if (hit && now - hit.at < CREDENTIALS_TTL_MS) return hit.value;
      const value = secrets.get(name);
      // A failed read is not remembered: the next run tries again.
      value.catch(() => cache.delete(key));
      cache.set(key, { at: now, value });
      return value;
    },
  };
}
