import { z } from "zod";
import { type Catalog, hours, minutes, type ProviderDef } from "#catalog/types.ts";
import type {
  ConnectionRecord,
  ConnectionSchedules,
  ConnectionStore,
  Credentials,
  SecretStore,
} from "#core/connections/types.ts";
import type { ConnectionDeps } from "#core/connections/use-cases.ts";
import type { ScheduleDef } from "#core/schedule-plan.ts";
import { openf1 } from "#providers/openf1/definition.ts";

/** In-memory stand-ins for the connection use cases' three ports, each recording what was done. */

export class MemoryConnectionStore implements ConnectionStore {
  readonly records = new Map<string, ConnectionRecord>();
  /** When set, the next create / update throws it (Pacer's table failing). */
  failCreateWith: Error | undefined;
  failUpdateWith: Error | undefined;
  /** Runs just before an update is checked: another writer getting there first. */
  beforeUpdate: (() => void) | undefined;

  private key(tenantId: string, connectionId: string) {
    return `${tenantId}#${connectionId}`;
  }
  async create(record: ConnectionRecord) {
    if (this.failCreateWith) throw this.failCreateWith;
    const key = this.key(record.tenantId, record.connectionId);
    if (this.records.has(key)) return false;
    this.records.set(key, structuredClone(record));
    return true;
  }
  async get(tenantId: string, connectionId: string) {
    const record = this.records.get(this.key(tenantId, connectionId));
    return record && structuredClone(record);
  }
  async list(tenantId: string) {
    return [...this.records.values()].filter((r) => r.tenantId === tenantId).map((r) => structuredClone(r));
  }
  async listAll() {
    return [...this.records.values()].map((r) => structuredClone(r));
  }
  async update(record: ConnectionRecord) {
    this.beforeUpdate?.();
    if (this.failUpdateWith) throw this.failUpdateWith;
    const key = this.key(record.tenantId, record.connectionId);
    if (this.records.get(key)?.version !== record.version - 1) return false;
    this.records.set(key, structuredClone(record));
    return true;
  }
  async delete(tenantId: string, connectionId: string) {
    this.records.delete(this.key(tenantId, connectionId));
  }
  /** Bumps a stored record's version, as a concurrent change would. */
  touch(record: Pick<ConnectionRecord, "tenantId" | "connectionId">) {
    const key = this.key(record.tenantId, record.connectionId);
    const current = this.records.get(key);
    if (current) this.records.set(key, { ...current, version: current.version + 1 });
  }
}

export class MemorySecretStore implements SecretStore {
  readonly values = new Map<string, Credentials>();
  failPutWith: Error | undefined;
  async put(name: string, value: Credentials) {
    if (this.failPutWith) throw this.failPutWith;
    this.values.set(name, { ...value });
  }
  async get(name: string) {
    return this.values.get(name);
  }
  async delete(name: string) {
    this.values.delete(name);
  }
}

export class MemorySchedules implements ConnectionSchedules {
  /** The schedules that exist now, by name. */
  readonly active = new Map<string, ScheduleDef>();
  readonly calls: { op: "put" | "remove"; names: string[] }[] = [];
  /** When set, the next put throws it, after creating them all (as a call that timed out may). */
  failNextPutWith: Error | undefined;
  async put(defs: readonly ScheduleDef[]) {
    this.calls.push({ op: "put", names: defs.map((d) => d.name) });
    for (const def of defs) this.active.set(def.name, def);
    const failure = this.failNextPutWith;
    this.failNextPutWith = undefined;
    if (failure) throw failure;
  }
  async remove(names: readonly string[]) {
    this.calls.push({ op: "remove", names: [...names] });
    for (const name of names) this.active.delete(name);
  }
  names(): string[] {
    return [...this.active.keys()].sort();
  }
}

const credentialHint = "letters and digits only";

/**
 * A provider shaped like a club API: two tiers, settings with a required club id and an
 * `experimental` switch that one sync type requires, a required API key, a tenant-scoped limit
 * that the premium tier raises and a global one.
 */
export const club = {
  id: "club",
  displayName: "Club",
  baseUrl: "http://club.invalid",
  tiers: [
    { id: "standard", description: "Standard" },
    { id: "premium", description: "Premium" },
  ],
  connection: {
    settings: z
      .object({
        clubId: z
          .number({ error: "expected a positive integer" })
          .int()
          .positive("expected a positive integer"),
        experimental: z.boolean().optional(),
        // A provider message that quotes its input, as zod lets any schema do.
        label: z
          .string()
          .max(8, { error: (issue) => `too long: ${String(issue.input)}` })
          .optional(),
      })
      .strict(),
    credentials: z
      .object({
        apiKey: z
          .string()
          .min(1)
          .regex(/^[A-Za-z0-9]+$/, credentialHint)
          .refine((key) => !key.startsWith("test"), {
            error: (issue) => `not a live key: ${String(issue.input)}`,
          }),
      })
      .strict(),
  },
  limits: [
    { id: "per-key", calls: 10, perMs: minutes(1), scope: "tenant", tiers: { premium: 50 } },
    { id: "per-ip", calls: 100, perMs: minutes(1), scope: "global" },
  ],
  endpointGroups: [
    { id: "public", limits: ["per-key", "per-ip"], endpoints: ["GET /clubs/{clubId}"] },
    { id: "beta", limits: ["per-ip"], endpoints: ["GET /beta/{clubId}"] },
  ],
  syncTypes: [
    {
      id: "members",
      description: "members",
      direction: "pull",
      calls: { public: 1 },
      cadence: { kind: "rate", everyMs: hours(1) },
      priority: "normal",
      entityTypes: ["members"],
    },
    {
      id: "results",
      description: "results",
      direction: "pull",
      calls: { public: 1 },
      cadence: { kind: "manual" },
      priority: "high",
      entityTypes: ["results"],
    },
    {
      id: "insights",
      description: "undocumented endpoints",
      direction: "pull",
      calls: { beta: 1 },
      cadence: { kind: "cron", expression: "cron(0 4 * * ? *)", approxEveryMs: hours(24) },
      priority: "low",
      entityTypes: ["insights"],
      requiresSetting: "experimental",
    },
  ],
} as const satisfies ProviderDef;

export const testCatalog: Catalog = { providers: [openf1, club] };

/** A key no message, view or record may ever contain. */
export const SECRET = "Zq7SecretApiKey9Xw";

/** Use-case dependencies over fresh fakes; ids are minted in order: c-000…01, c-000…02, … */
export function setup(overrides: Partial<ConnectionDeps> = {}) {
  const connections = new MemoryConnectionStore();
  const secrets = new MemorySecretStore();
  const schedules = new MemorySchedules();
  let ids = 0;
  let now = Date.parse("2026-03-01T10:00:00Z");
  const deps: ConnectionDeps = {
    catalog: testCatalog,
    connections,
    secrets,
    schedules,
    fingerprintKey: async () => "fingerprint-key-of-this-deployment",
    secretPrefix: "pacer/connections/",
    clock: () => now,
    newId: () => `c-${(++ids).toString(16).padStart(20, "0")}`,
    ...overrides,
  };
  return {
    deps,
    connections,
    secrets,
    schedules,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** A valid club connection body. */
export const clubBody = (over: Record<string, unknown> = {}) => ({
  provider: "club",
  credentials: { apiKey: SECRET },
  settings: { clubId: 42 },
  ...over,
});
