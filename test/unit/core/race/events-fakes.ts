import { z } from "zod";
import type { Catalog, ProviderDef } from "#catalog/types.ts";
import type { ConnectionRecord } from "#core/connections/types.ts";
import type { RaceEventDeps } from "#core/race/events.ts";
import type { OwnedValue, ParticipantField } from "#core/race/participants.ts";
import type {
  OwnedValues,
  ParticipantView,
  RaceEventRecord,
  RaceEventStore,
  UnifyCounts,
} from "#core/race/types.ts";
import { openf1 } from "#providers/openf1/definition.ts";

/** In-memory stand-ins for the event use cases' ports, and a small race catalog of their own. */

export class MemoryRaceEventStore implements RaceEventStore {
  readonly records = new Map<string, RaceEventRecord>();
  readonly ownedValues = new Map<string, Record<string, Partial<Record<ParticipantField, OwnedValue>>>>();
  private key(tenantId: string, eventId: string) {
    return `${tenantId}#${eventId}`;
  }
  async create(record: RaceEventRecord) {
    const key = this.key(record.tenantId, record.eventId);
    if (this.records.has(key)) return false;
    this.records.set(key, structuredClone(record));
    return true;
  }
  async get(tenantId: string, eventId: string) {
    const record = this.records.get(this.key(tenantId, eventId));
    return record && structuredClone(record);
  }
  async list(tenantId: string) {
    return [...this.records.values()].filter((r) => r.tenantId === tenantId).map((r) => structuredClone(r));
  }
  async update(record: RaceEventRecord) {
    const key = this.key(record.tenantId, record.eventId);
    if (this.records.get(key)?.version !== record.version - 1) return false;
    this.records.set(key, structuredClone(record));
    return true;
  }
  async delete(tenantId: string, eventId: string) {
    this.records.delete(this.key(tenantId, eventId));
    this.ownedValues.delete(this.key(tenantId, eventId));
  }
  async owned(tenantId: string, eventId: string): Promise<OwnedValues> {
    return structuredClone(this.ownedValues.get(this.key(tenantId, eventId)) ?? {});
  }
  async setOwned(
    tenantId: string,
    eventId: string,
    participantId: string,
    values: Readonly<Partial<Record<ParticipantField, OwnedValue | null>>>,
  ) {
    const key = this.key(tenantId, eventId);
    const event = this.ownedValues.get(key) ?? {};
    const fields = { ...event[participantId] };
    for (const [field, value] of Object.entries(values) as [ParticipantField, OwnedValue | null][]) {
      if (value === null) delete fields[field];
      else fields[field] = { ...value };
    }
    if (Object.keys(fields).length === 0) delete event[participantId];
    else event[participantId] = fields;
    this.ownedValues.set(key, event);
  }
  /** Bumps a stored record's version, as a concurrent change would. */
  touch(tenantId: string, eventId: string) {
    const current = this.records.get(this.key(tenantId, eventId));
    if (current) this.records.set(this.key(tenantId, eventId), { ...current, version: current.version + 1 });
  }
}

const noConnection = { settings: z.strictObject({}) } as const;

/** A provider with a role and nothing to run: all the event use cases read of one. */
function raceProvider(id: string, role: "registration" | "scoring"): ProviderDef {
  return {
    id,
    displayName: id,
    role,
    baseUrl: `http://${id}.invalid`,
    tiers: [{ id: "standard", description: "Standard" }],
    connection: noConnection,
    limits: [],
    endpointGroups: [],
    syncTypes: [],
  };
}

/** Two registration providers, one scoring provider, and OpenF1 (neither). */
export const raceCatalog: Catalog = {
  providers: [
    raceProvider("signup", "registration"),
    raceProvider("roster", "registration"),
    raceProvider("timing", "scoring"),
    openf1,
  ],
};

/** Connection ids of the world `setup` makes: acme's, and globex's one registration connection. */
export const ACME = {
  signup: "c-000000000000000000a1",
  roster: "c-000000000000000000a2",
  timing: "c-000000000000000000a3",
  openf1: "c-000000000000000000a4",
} as const;
export const GLOBEX_SIGNUP = "c-000000000000000000b1";

function connection(tenantId: string, connectionId: string, provider: string): ConnectionRecord {
  return {
    connectionId,
    tenantId,
    provider,
    tier: "standard",
    settings: {},
    enabled: true,
    budgetKey: `conn-${connectionId}`,
    schedules: [],
    createdAt: "2026-03-01T10:00:00.000Z",
    updatedAt: "2026-03-01T10:00:00.000Z",
    version: 1,
  };
}

/** A participant as the unification stores it. */
export function aParticipant(participantId: string, over: Partial<ParticipantView> = {}): ParticipantView {
  return {
    participantId,
    eventId: "ev-00000000000000000001",
    fields: { firstName: "Ana", lastName: "Ruiz", bib: "101" },
    origins: {
      firstName: { kind: "registration", source: "signup:500:1" },
      lastName: { kind: "registration", source: "signup:500:1" },
      bib: { kind: "registration", source: "signup:500:1" },
    },
    sources: ["signup:500:1"],
    conflicts: [],
    cancelled: false,
    ...over,
  };
}

/**
 * Use-case dependencies over fresh fakes. The participant list is whatever `stored` holds per
 * event; `unify` records its calls and applies the event's owned values over `stored`, as the
 * real one would. Event ids are minted in order: ev-000…01, ev-000…02, …
 */
export function setup() {
  const events = new MemoryRaceEventStore();
  const records = new Map<string, ConnectionRecord>();
  const add = (tenantId: string, id: string, provider: string) =>
    records.set(`${tenantId}#${id}`, connection(tenantId, id, provider));
  add("acme", ACME.signup, "signup");
  add("acme", ACME.roster, "roster");
  add("acme", ACME.timing, "timing");
  add("acme", ACME.openf1, "openf1");
  add("globex", GLOBEX_SIGNUP, "signup");
  // What the registrations make of each event, and the list as last unified over owned values.
  const registered = new Map<string, ParticipantView[]>();
  const stored = new Map<string, ParticipantView[]>();
  const unified: { tenantId: string; event: RaceEventRecord }[] = [];
  let ids = 0;
  let now = Date.parse("2026-04-01T09:00:00Z");
  const deps: RaceEventDeps = {
    events,
    connections: {
      get: async (tenantId, connectionId) => structuredClone(records.get(`${tenantId}#${connectionId}`)),
    },
    catalog: raceCatalog,
    participants: async (tenantId, eventId) => structuredClone(stored.get(`${tenantId}#${eventId}`) ?? []),
    unify: async (tenantId, event): Promise<UnifyCounts> => {
      unified.push({ tenantId, event });
      const key = `${tenantId}#${event.eventId}`;
      const owned = await events.owned(tenantId, event.eventId);
      const list = (registered.get(key) ?? []).map((p) => {
        const mine = owned[p.participantId] ?? {};
        const fields = { ...p.fields };
        const origins = { ...p.origins };
        for (const [field, value] of Object.entries(mine) as [ParticipantField, OwnedValue][]) {
          fields[field] = value.value;
          origins[field] = { kind: "pacer", by: value.by, at: value.at };
        }
        return { ...p, fields, origins };
      });
      stored.set(key, list);
      return {
        pulled: 0,
        participants: list.length,
        merged: 0,
        matched: 0,
        conflicts: 0,
        written: 0,
        unchanged: 0,
        removed: 0,
        scoringChanged: false,
      };
    },
    clock: () => now,
    newId: () => `ev-${(++ids).toString(16).padStart(20, "0")}`,
  };
  return {
    deps,
    events,
    unified,
    /** Stores a participant list for one of `tenantId`'s events, as a unification would. */
    storeParticipants: (tenantId: string, eventId: string, list: ParticipantView[]) => {
      registered.set(`${tenantId}#${eventId}`, list);
      stored.set(`${tenantId}#${eventId}`, list);
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** A valid `POST /events` body for acme: one signup feed. */
export const eventBody = (over: Record<string, unknown> = {}) => ({
  name: "Harbour 10K",
  startsAt: "2026-05-03T08:00:00+02:00",
  registration: [{ connectionId: ACME.signup, eventId: "500" }],
  ...over,
});
