import { describe, expect, it } from "vitest";
import { catalog } from "#catalog/index.ts";
import type { ConnectionRecord } from "#core/connections/types.ts";
import {
  type LiveWindow,
  type LiveWindowDeps,
  liveWindowSchedules,
  putLiveWindows,
  removeLiveWindows,
  type WindowSchedules,
  windowScheduleName,
} from "#core/live-windows.ts";
import type { ScheduleDef } from "#core/schedule-plan.ts";
import { openf1 } from "#providers/openf1/definition.ts";
import type { EntityReader } from "#providers/types.ts";

const NOW = Date.parse("2026-05-10T14:00:00Z");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();
const CONNECTION = { connectionId: "c-0123456789abcdef0123", tenantId: "acme", settings: {} };

/** The same window for both of OpenF1's real-time sync types. */
const live = (startMs: number, endMs: number): LiveWindow[] =>
  ["weather", "race_control"].map((syncType) => ({ syncType, startAt: iso(startMs), endAt: iso(endMs) }));

const windowsOf = (defs: readonly ScheduleDef[], syncType = "weather") =>
  defs.filter((d) => d.syncType === syncType).map((d) => d.window);

describe("liveWindowSchedules", () => {
  it("schedules each real-time sync type of an upcoming window from its start to its end, and deletes it after", () => {
    // Prepare: a session window starting in two hours.
    const windows = live(NOW + 2 * HOUR, NOW + 4 * HOUR);

    // Act
    const defs = liveWindowSchedules(openf1, CONNECTION, windows, NOW);

    // Assess
    expect(defs.map((d) => d.name)).toEqual([
      "c-0123456789abcdef0123.weather.20260510T160000Z",
      "c-0123456789abcdef0123.race_control.20260510T160000Z",
    ]);
    expect(defs[0]).toEqual({
      name: "c-0123456789abcdef0123.weather.20260510T160000Z",
      expression: "rate(1 minute)",
      provider: "openf1",
      syncType: "weather",
      tenantId: "acme",
      connectionId: CONNECTION.connectionId,
      priority: "normal",
      slots: 2,
      slotIntervalMs: 30_000,
      window: { startAt: "2026-05-10T16:00:00.000Z", endAt: "2026-05-10T18:00:00.000Z" },
    });
  });

  it("gives the same schedules for the same calendar, so putting it again changes nothing", () => {
    const windows = [...live(NOW + HOUR, NOW + 3 * HOUR), ...live(NOW + DAY, NOW + DAY + 2 * HOUR)];

    const first = liveWindowSchedules(openf1, CONNECTION, windows, NOW);
    const again = liveWindowSchedules(openf1, CONNECTION, [...windows].reverse(), NOW + 10 * MINUTE);

    expect(again).toEqual(first);
  });

  it("merges overlapping windows (one session's tail, the next one's lead) into one schedule", () => {
    const windows = [...live(NOW + HOUR, NOW + 3 * HOUR), ...live(NOW + 2 * HOUR, NOW + 5 * HOUR)];

    const defs = liveWindowSchedules(openf1, CONNECTION, windows, NOW);

    expect(windowsOf(defs)).toEqual([{ startAt: iso(NOW + HOUR), endAt: iso(NOW + 5 * HOUR) }]);
  });

  it("leaves out windows already over and those starting beyond the next 7 days", () => {
    const windows = [
      ...live(NOW - 3 * HOUR, NOW - HOUR),
      ...live(NOW + 6 * DAY, NOW + 6 * DAY + HOUR),
      ...live(NOW + 8 * DAY, NOW + 8 * DAY + HOUR),
    ];

    const defs = liveWindowSchedules(openf1, CONNECTION, windows, NOW);

    expect(windowsOf(defs)).toEqual([{ startAt: iso(NOW + 6 * DAY), endAt: iso(NOW + 6 * DAY + HOUR) }]);
  });

  it("starts a window already open at its next whole minute, keeping its name and its end", () => {
    // Prepare: opened 20 min 30 s ago; Scheduler refuses a StartDate more than 5 minutes past.
    const startMs = NOW - 20 * MINUTE - 30_000;
    const windows = live(startMs, NOW + HOUR);

    // Act
    const defs = liveWindowSchedules(openf1, CONNECTION, windows, NOW);

    // Assess
    expect(defs[0]?.name).toBe(windowScheduleName(CONNECTION.connectionId, "weather", startMs));
    expect(windowsOf(defs)).toEqual([{ startAt: iso(NOW + 30_000), endAt: iso(NOW + HOUR) }]);
  });

  it("ignores windows of sync types that are not windowed", () => {
    const windows: LiveWindow[] = [{ syncType: "sessions", startAt: iso(NOW), endAt: iso(NOW + HOUR) }];

    expect(liveWindowSchedules(openf1, CONNECTION, windows, NOW)).toEqual([]);
  });

  it("fits Scheduler's 64 characters for every windowed sync type in the catalog", () => {
    for (const provider of catalog.providers) {
      for (const syncType of provider.syncTypes.filter((s) => s.windowed)) {
        const name = windowScheduleName(CONNECTION.connectionId, syncType.id, NOW);
        expect(name, `${provider.id}/${syncType.id}`).toMatch(/^[0-9a-zA-Z\-_.]{1,64}$/);
      }
    }
  });
});

/** Scheduler in memory: what exists, by name. */
function memorySchedules(
  initial: readonly string[] = [],
): WindowSchedules & { readonly names_: Set<string> } {
  const names_ = new Set(initial);
  return {
    names_,
    put: async (defs) => {
      for (const def of defs) names_.add(def.name);
    },
    remove: async (names) => {
      for (const name of names) names_.delete(name);
    },
    names: async (prefix) => [...names_].filter((n) => n.startsWith(prefix)),
  };
}

const connection = (overrides: Partial<ConnectionRecord> = {}): ConnectionRecord => ({
  connectionId: CONNECTION.connectionId,
  tenantId: "acme",
  provider: "openf1",
  tier: "free",
  settings: {},
  enabled: true,
  budgetKey: `conn-${CONNECTION.connectionId}`,
  schedules: [],
  createdAt: iso(NOW - DAY),
  updatedAt: iso(NOW - DAY),
  version: 1,
  ...overrides,
});

/** Deps whose calendar gives `calendar()`; `readers` records whose data was read. */
function depsWith(
  schedules: WindowSchedules,
  calendar: () => LiveWindow[],
  record: ConnectionRecord = connection(),
): LiveWindowDeps & { readonly readers: string[] } {
  const readers: string[] = [];
  const empty: EntityReader = { get: async () => undefined, list: async () => [] };
  return {
    readers,
    provider: openf1,
    source: { calendar: "sessions", windows: async () => calendar() },
    schedules,
    entities: {
      reader: (tenantId, provider) => {
        readers.push(`${tenantId}/${provider}`);
        return empty;
      },
    },
    connections: {
      get: async (tenantId, connectionId) =>
        tenantId === record.tenantId && connectionId === record.connectionId ? record : undefined,
    },
    clock: () => NOW,
  };
}

const SESSIONS_RUN = { tenantId: "acme", connectionId: CONNECTION.connectionId, syncType: "sessions" };
const RACE = live(NOW + HOUR, NOW + 3 * HOUR);
const QUALIFYING = live(NOW + DAY, NOW + DAY + HOUR);

describe("putLiveWindows", () => {
  it("after a sessions sync, creates the schedules of the tenant's upcoming sessions", async () => {
    // Prepare
    const schedules = memorySchedules();
    const deps = depsWith(schedules, () => [...RACE, ...QUALIFYING]);

    // Act
    const change = await putLiveWindows(deps, SESSIONS_RUN);

    // Assess
    expect([...schedules.names_].sort()).toEqual(
      [
        "c-0123456789abcdef0123.race_control.20260510T150000Z",
        "c-0123456789abcdef0123.race_control.20260511T140000Z",
        "c-0123456789abcdef0123.weather.20260510T150000Z",
        "c-0123456789abcdef0123.weather.20260511T140000Z",
      ].sort(),
    );
    expect(change.removed).toEqual([]);
    expect(deps.readers).toEqual(["acme/openf1"]);
  });

  it("deletes the schedules of a session the calendar cancelled, on the next sessions sync", async () => {
    // Prepare: both sessions scheduled, then qualifying is cancelled.
    const schedules = memorySchedules();
    let calendar = [...RACE, ...QUALIFYING];
    const deps = depsWith(schedules, () => calendar);
    await putLiveWindows(deps, SESSIONS_RUN);
    calendar = RACE;

    // Act
    const change = await putLiveWindows(deps, SESSIONS_RUN);

    // Assess
    expect([...change.removed].sort()).toEqual([
      "c-0123456789abcdef0123.race_control.20260511T140000Z",
      "c-0123456789abcdef0123.weather.20260511T140000Z",
    ]);
    expect([...schedules.names_].sort()).toEqual([
      "c-0123456789abcdef0123.race_control.20260510T150000Z",
      "c-0123456789abcdef0123.weather.20260510T150000Z",
    ]);
  });

  it("leaves the connection's around-the-clock schedules and other connections' windows alone", async () => {
    // Prepare
    const others = [
      "c-0123456789abcdef0123.sessions",
      "c-0123456789abcdef0123.meetings",
      "c-ffffffffffffffffffff.weather.20260510T150000Z",
    ];
    const schedules = memorySchedules(others);

    // Act: a calendar with nothing live.
    await putLiveWindows(
      depsWith(schedules, () => []),
      SESSIONS_RUN,
    );

    // Assess
    expect([...schedules.names_].sort()).toEqual([...others].sort());
  });

  it("changes nothing after a run of another sync type", async () => {
    const schedules = memorySchedules();

    const change = await putLiveWindows(
      depsWith(schedules, () => RACE),
      { ...SESSIONS_RUN, syncType: "weather" },
    );

    expect(change).toEqual({ put: [], removed: [] });
    expect(schedules.names_.size).toBe(0);
  });

  it("keeps no windows for a disabled connection", async () => {
    const schedules = memorySchedules(["c-0123456789abcdef0123.weather.20260510T150000Z"]);

    await putLiveWindows(
      depsWith(schedules, () => RACE, connection({ enabled: false })),
      SESSIONS_RUN,
    );

    expect(schedules.names_.size).toBe(0);
  });

  it("never schedules, nor deletes, for a connection of another tenant", async () => {
    // Prepare: tenant globex's run names acme's connection, whose window exists.
    const existing = "c-0123456789abcdef0123.weather.20260510T150000Z";
    const schedules = memorySchedules([existing]);
    const deps = depsWith(schedules, () => RACE);

    // Act
    const change = await putLiveWindows(deps, { ...SESSIONS_RUN, tenantId: "globex" });

    // Assess
    expect(change).toEqual({ put: [], removed: [] });
    expect([...schedules.names_]).toEqual([existing]);
    expect(deps.readers).toEqual([]);
  });

  it("puts each schedule for its own tenant and connection", async () => {
    const put: ScheduleDef[] = [];
    const schedules: WindowSchedules = {
      put: async (defs) => void put.push(...defs),
      remove: async () => {},
      names: async () => [],
    };

    await putLiveWindows(
      depsWith(schedules, () => RACE),
      SESSIONS_RUN,
    );

    expect(put.length).toBe(2);
    for (const def of put) {
      expect(def).toMatchObject({
        tenantId: "acme",
        connectionId: CONNECTION.connectionId,
        provider: "openf1",
      });
    }
  });
});

describe("removeLiveWindows", () => {
  it("deletes every window schedule of the connection and nothing else", async () => {
    const schedules = memorySchedules([
      "c-0123456789abcdef0123.weather.20260510T150000Z",
      "c-0123456789abcdef0123.race_control.20260511T140000Z",
      "c-0123456789abcdef0123.sessions",
      "c-ffffffffffffffffffff.weather.20260510T150000Z",
    ]);

    const removed = await removeLiveWindows(schedules, openf1, CONNECTION.connectionId);

    expect(removed).toHaveLength(2);
    expect([...schedules.names_].sort()).toEqual([
      "c-0123456789abcdef0123.sessions",
      "c-ffffffffffffffffffff.weather.20260510T150000Z",
    ]);
  });
});
