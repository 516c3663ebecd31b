import type { LiveWindow, LiveWindowSource } from "#core/live-windows.ts";
import { openf1 } from "./definition.ts";
import { liveSpans } from "./live.ts";

/** OpenF1's real-time sync types: those its definition marks windowed (weather, race control). */
const REAL_TIME: readonly string[] = openf1.syncTypes
  .filter((syncType) => "windowed" in syncType && syncType.windowed)
  .map((syncType) => syncType.id);

/**
 * OpenF1's live windows: every session the `sessions` sync stored that is not cancelled and not
 * yet over, from its lead before the start to its tail after the end (./live.ts, the same span
 * `plan()` finds the live session by), once per real-time sync type. So weather and race
 * control run only while a session is live, and a schedule firing always finds its session.
 */
export const openf1LiveWindows: LiveWindowSource = {
  calendar: "sessions",
  async windows(store, now) {
    const nowMs = now.getTime();
    const windows: LiveWindow[] = [];
    for (const span of liveSpans(await store.list("sessions"))) {
      if (span.endMs <= nowMs) continue;
      const startAt = new Date(span.startMs).toISOString();
      const endAt = new Date(span.endMs).toISOString();
      for (const syncType of REAL_TIME) windows.push({ syncType, startAt, endAt });
    }
    return windows;
  },
};
