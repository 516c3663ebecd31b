import { ValidationError } from "#core/errors.ts";
import { defineProvider } from "#providers/define.ts";
import { getRows } from "./client.ts";
import { openf1 } from "./definition.ts";
import { findLiveSession } from "./live.ts";
import { meetingEntities, raceControlEntities, sessionEntities, weatherEntities } from "./mapping.ts";
import { meetingSchema, raceControlSchema, sessionSchema, weatherSchema } from "./schemas.ts";

/**
 * OpenF1 (https://openf1.org): the season's meetings, circuits and sessions, and live-session data.
 * Params arrive parsed by the definition's schemas (a `year` of four digits, a positive integer
 * `session_key`), so they go into queries as they are.
 */
export const openf1Module = defineProvider(openf1, {
  async plan(run) {
    // The season syncs always run; the real-time ones for the session asked for, else the live one.
    if (run.syncType === "meetings" || run.syncType === "sessions") return { run: true, params: run.params };
    if (run.params.session_key !== undefined) return { run: true, params: run.params };
    const sessionKey = findLiveSession(await run.store.list("sessions"), run.now);
    if (sessionKey === undefined) return { run: false, reason: "no live session" };
    return { run: true, params: { ...run.params, session_key: sessionKey } };
  },

  syncs: {
    // OpenF1 has no pagination: every matching row comes in one answer, so each sync is one page.
    async *meetings(run) {
      const year = run.params.year ?? run.now.getUTCFullYear();
      yield { entities: meetingEntities(await getRows(run, "/v1/meetings", `year=${year}`, meetingSchema)) };
    },
    async *sessions(run) {
      const year = run.params.year ?? run.now.getUTCFullYear();
      yield { entities: sessionEntities(await getRows(run, "/v1/sessions", `year=${year}`, sessionSchema)) };
    },
    async *weather(run) {
      const query = `session_key=${liveSession(run.params.session_key)}`;
      yield { entities: weatherEntities(await getRows(run, "/v1/weather", query, weatherSchema)) };
    },
    async *race_control(run) {
      const query = `session_key=${liveSession(run.params.session_key)}`;
      yield {
        entities: raceControlEntities(await getRows(run, "/v1/race_control", query, raceControlSchema)),
      };
    },
  },
});

function liveSession(sessionKey: string | undefined): string {
  if (sessionKey === undefined)
    throw new ValidationError("session_key is required (plan() fills it in for a live session)");
  return sessionKey;
}
