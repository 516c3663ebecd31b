import type { Accounts } from "./accounts.ts";
import { type ApiResponse, json, message } from "./api.ts";
import { newParticipant, participantChange, type Registrations } from "./data.ts";
import type { StatsRecorder } from "./stats.ts";

export interface ControlCall {
  readonly method: string;
  readonly path: string;
  readonly body: string;
  readonly nowMs: number;
  readonly registrations: Registrations;
  readonly accounts: Accounts;
  readonly stats: StatsRecorder;
}

/**
 * The test-only controls (no auth), for tests that change Race Roster's data mid-run:
 * - `POST /_fake/participants` `{subEventId, firstName, lastName, email?, …}` → 201 `{data: row}`
 *   (a new registration of the demo race);
 * - `PATCH /_fake/participants/{registrationId}` `{…fields}` → 200 `{data: row}` (its updatedAt moves on);
 * - `DELETE /_fake/participants/{registrationId}` → 200 `{data: row}`, marked cancelled (kept, as Race Roster does);
 * - `POST /_fake/tokens/expire` → 200 `{expired}`: the next API call with any earlier token is a 401;
 * - `GET /_fake/stats` → the stats.
 */
export function control(call: ControlCall): ApiResponse {
  const { method, path, nowMs, registrations } = call;
  if (method === "GET" && path === "/_fake/stats") return json(200, call.stats.snapshot());
  if (method === "POST" && path === "/_fake/tokens/expire")
    return json(200, { expired: call.accounts.expireAll() });
  if (method === "POST" && path === "/_fake/participants") {
    const parsed = newParticipant.safeParse(parseJson(call.body));
    if (!parsed.success) return invalid(parsed.error.issues[0]);
    return json(201, { data: registrations.add(parsed.data, nowMs) });
  }
  const id = /^\/_fake\/participants\/(\d{1,12})$/.exec(path)?.[1];
  if (id !== undefined && method === "PATCH") {
    const parsed = participantChange.safeParse(parseJson(call.body));
    if (!parsed.success) return invalid(parsed.error.issues[0]);
    const row = registrations.change(Number(id), parsed.data, nowMs);
    return row === undefined ? message(404, "Participant not found") : json(200, { data: row });
  }
  if (id !== undefined && method === "DELETE") {
    const row = registrations.cancel(Number(id), nowMs);
    return row === undefined ? message(404, "Participant not found") : json(200, { data: row });
  }
  return message(404, "Not Found");
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function invalid(issue: { path: PropertyKey[]; message: string } | undefined): ApiResponse {
  const field = issue?.path.map(String).join(".") ?? "";
  return message(400, `${field === "" ? "body" : field}: ${issue?.message ?? "invalid"}`);
}
