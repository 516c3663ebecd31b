import { UnknownSyncError, ValidationError } from "#core/errors.ts";
import type { Entity, ProviderModule, RunPlan, SyncRun } from "#providers/types.ts";
import { getRows, type OpenF1Context } from "./client.ts";
import { findLiveSession } from "./live.ts";
import { meetingEntities, raceControlEntities, sessionEntities, weatherEntities } from "./mapping.ts";
import { meetingSchema, raceControlSchema, sessionSchema, weatherSchema } from "./schemas.ts";

const REAL_TIME_SYNC_TYPES = new Set(["weather", "race_control"]);

const syncs: Record<string, (context: OpenF1Context, params: SyncRun["params"]) => Promise<Entity[]>> = {
  async meetings(context, params) {
    const query = `year=${seasonOf(context.now, params)}`;
    return meetingEntities(await getRows(context, "/v1/meetings", query, meetingSchema));
  },
  async sessions(context, params) {
    const query = `year=${seasonOf(context.now, params)}`;
    return sessionEntities(await getRows(context, "/v1/sessions", query, sessionSchema));
  },
  async weather(context, params) {
    const query = `session_key=${sessionKeyOf(params)}`;
    return weatherEntities(await getRows(context, "/v1/weather", query, weatherSchema));
  },
  async race_control(context, params) {
    const query = `session_key=${sessionKeyOf(params)}`;
    return raceControlEntities(await getRows(context, "/v1/race_control", query, raceControlSchema));
  },
};

/** OpenF1 (https://openf1.org): the season's meetings, circuits and sessions, and live-session data. */
export const openf1Module: ProviderModule = {
  id: "openf1",

  async plan(run): Promise<RunPlan> {
    if (!REAL_TIME_SYNC_TYPES.has(run.syncType) || run.params.session_key !== undefined) {
      return { run: true, params: run.params };
    }
    const sessionKey = findLiveSession(await run.store.list("sessions"), run.now);
    if (sessionKey === undefined) return { run: false, reason: "no live session" };
    return { run: true, params: { ...run.params, session_key: sessionKey } };
  },

  async sync(run) {
    const sync = syncs[run.syncType];
    if (sync === undefined) throw new UnknownSyncError(`openf1 has no sync type "${run.syncType}"`);
    return sync({ fetch: run.fetch, now: run.now }, run.params);
  },
};

function seasonOf(now: Date, params: SyncRun["params"]): number {
  if (params.year === undefined) return now.getUTCFullYear();
  if (!/^\d{4}$/.test(params.year))
    throw new ValidationError(`year must be a four-digit year, got "${params.year}"`);
  return Number(params.year);
}

function sessionKeyOf(params: SyncRun["params"]): string {
  const key = params.session_key;
  if (key === undefined)
    throw new ValidationError("session_key is required (plan() fills it in for a live session)");
  if (!/^[1-9]\d*$/.test(key))
    throw new ValidationError(`session_key must be a positive integer, got "${key}"`);
  return key;
}
