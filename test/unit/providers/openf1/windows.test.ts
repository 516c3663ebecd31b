import { describe, expect, it } from "vitest";
import { findLiveSession } from "#providers/openf1/live.ts";
import { openf1LiveWindows } from "#providers/openf1/windows.ts";
import type { Entity, EntityReader } from "#providers/types.ts";

const NOW = new Date("2026-05-10T14:00:00Z");

const session = (key: number, start: string, end: string, extra: Record<string, unknown> = {}): Entity => ({
  type: "sessions",
  id: String(key),
  data: { session_key: key, date_start: start, date_end: end, ...extra },
});

const storeOf = (sessions: readonly Entity[]): EntityReader => ({
  get: async (_type, id) => sessions.find((s) => s.id === id),
  list: async (type) => (type === "sessions" ? [...sessions] : []),
});

describe("openf1LiveWindows", () => {
  it("is opened by the sessions sync", () => {
    expect(openf1LiveWindows.calendar).toBe("sessions");
  });

  it("names a window per session not yet over, from 5 minutes before its start to 30 after its end", async () => {
    // Prepare
    const store = storeOf([session(9600, "2026-05-10T15:00:00+00:00", "2026-05-10T17:00:00+00:00")]);

    // Act
    const windows = await openf1LiveWindows.windows(store, NOW);

    // Assess: one for each real-time sync type.
    expect(windows).toEqual([
      { syncType: "weather", startAt: "2026-05-10T14:55:00.000Z", endAt: "2026-05-10T17:30:00.000Z" },
      { syncType: "race_control", startAt: "2026-05-10T14:55:00.000Z", endAt: "2026-05-10T17:30:00.000Z" },
    ]);
  });

  it("skips cancelled sessions, sessions over (tail included) and rows without usable dates", async () => {
    const store = storeOf([
      session(9601, "2026-05-11T15:00:00+00:00", "2026-05-11T16:00:00+00:00", { is_cancelled: true }),
      session(9602, "2026-05-10T11:00:00+00:00", "2026-05-10T13:29:00+00:00"),
      session(9603, "soon", "later"),
      { type: "sessions", id: "9604", data: { session_key: "not a number" } },
    ]);

    expect(await openf1LiveWindows.windows(store, NOW)).toEqual([]);
  });

  it("keeps a session still in its tail, whose window is open now", async () => {
    const store = storeOf([session(9605, "2026-05-10T12:00:00+00:00", "2026-05-10T13:45:00+00:00")]);

    const windows = await openf1LiveWindows.windows(store, NOW);

    expect(windows.map((w) => w.endAt)).toEqual(["2026-05-10T14:15:00.000Z", "2026-05-10T14:15:00.000Z"]);
  });

  it("opens windows only where plan() finds a live session, so every firing in one has a session to follow", async () => {
    // Prepare
    const sessions = [session(9606, "2026-05-10T15:00:00+00:00", "2026-05-10T17:00:00+00:00")];
    const [window] = await openf1LiveWindows.windows(storeOf(sessions), NOW);
    if (!window) throw new Error("expected a window");

    // Act
    const atStart = findLiveSession(sessions, new Date(window.startAt));
    const atEnd = findLiveSession(sessions, new Date(window.endAt));
    const before = findLiveSession(sessions, new Date(Date.parse(window.startAt) - 1));

    // Assess
    expect([atStart, atEnd, before]).toEqual(["9606", "9606", undefined]);
  });
});
