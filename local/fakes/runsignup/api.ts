import { DEMO_EVENTS, DEMO_RACE_ID, type RaceData } from "./data.ts";
import { participantRow, raceBody, removedRow } from "./payloads.ts";

export interface ApiResponse {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
}

export const json = (status: number, value: unknown): ApiResponse => ({
  status,
  body: JSON.stringify(value),
});

/** RunSignUp's error codes the fake answers (its Error Codes page). */
export const RSU_ERRORS = {
  unknownMethod: { code: 1, message: "Unknown method." },
  methodNotSupported: { code: 2, message: "HTTP method not supported for this REST method." },
  invalidParameters: { code: 3, message: "Invalid parameters." },
  keyAuthentication: { code: 6, message: "Key authentication failed." },
  throttled: { code: 14, message: "Request throttled." },
  invalidId: { code: 15, message: "Invalid ID." },
  raceNotFound: { code: 201, message: "Race not found." },
  invalidEvent: { code: 223, message: "Event id not valid." },
} as const;
export type RsuErrorKind = keyof typeof RSU_ERRORS;

/** `{"error": {error_code, error_msg}}` with the given HTTP status. */
export function rsuError(kind: RsuErrorKind, status: number, detail?: string): ApiResponse {
  const { code, message } = RSU_ERRORS[kind];
  return json(status, { error: { error_code: code, error_msg: detail ?? message } });
}

/** The result endpoints (./results.ts), by the path segment after `/results/`. */
export const RESULT_PATHS = {
  "get-result-sets": "result-sets",
  "new-result-set": "new-result-set",
  "full-results": "full-results",
  "get-results": "results",
} as const;
export type ResultEndpoint = (typeof RESULT_PATHS)[keyof typeof RESULT_PATHS];

/** The endpoints, for stats; each is a path under `/Rest` (matched case-insensitively). */
export const ENDPOINTS = [
  "race",
  "participants",
  "removed-participants",
  ...Object.values(RESULT_PATHS),
] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

/** The HTTP method each endpoint takes; another one is error 2. */
export const METHODS: Readonly<Record<Endpoint, "GET" | "POST">> = {
  race: "GET",
  participants: "GET",
  "removed-participants": "GET",
  "result-sets": "GET",
  "new-result-set": "POST",
  "full-results": "POST",
  results: "GET",
};

const RESULT_PATH = /^\/rest\/race\/([^/]+)\/results\/([a-z-]+)\/?$/i;

export function endpointOf(path: string): { endpoint: Endpoint; raceId: string } | undefined {
  const result = RESULT_PATH.exec(path);
  if (result !== null && result[1] !== undefined) {
    const tail = result[2]?.toLowerCase() ?? "";
    const endpoint = Object.hasOwn(RESULT_PATHS, tail)
      ? RESULT_PATHS[tail as keyof typeof RESULT_PATHS]
      : undefined;
    return endpoint === undefined ? undefined : { endpoint, raceId: result[1] };
  }
  const match = /^\/rest\/race\/([^/]+)(?:\/(participants|removed-participants))?\/?$/i.exec(path);
  if (match === null || match[1] === undefined) return undefined;
  const tail = match[2]?.toLowerCase();
  const endpoint: Endpoint = tail === "participants" || tail === "removed-participants" ? tail : "race";
  return { endpoint, raceId: match[1] };
}

/** Most rows per call RunSignUp answers (its help article); more asked for is cut to it. */
export const MAX_RESULTS_PER_PAGE = 2_500;
const DEFAULT_RESULTS_PER_PAGE = 50;

type Failure = { readonly error: RsuErrorKind; readonly detail?: string };
const isFailure = (value: unknown): value is Failure =>
  typeof value === "object" && value !== null && "error" in value;

function positiveInt(query: URLSearchParams, name: string, fallback: number): number | Failure {
  const raw = query.get(name);
  if (raw === null || raw === "") return fallback;
  if (!/^\d{1,12}$/.test(raw)) return { error: "invalidParameters", detail: `Invalid ${name}.` };
  return Number(raw);
}

interface Paging {
  readonly perPage: number;
  readonly page: number;
  readonly modifiedAfter: number | undefined;
}

function pagingOf(query: URLSearchParams): Paging | Failure {
  const perPage = positiveInt(query, "results_per_page", DEFAULT_RESULTS_PER_PAGE);
  if (isFailure(perPage)) return perPage;
  const page = positiveInt(query, "page", 1);
  if (isFailure(page)) return page;
  const modified = positiveInt(query, "modified_after_timestamp", -1);
  if (isFailure(modified)) return modified;
  return {
    perPage: Math.min(Math.max(1, perPage), MAX_RESULTS_PER_PAGE),
    page: Math.max(1, page),
    modifiedAfter: modified < 0 ? undefined : modified,
  };
}

/** `event_id`: one id or a comma-separated list, each an event of the race. */
function eventIdsOf(query: URLSearchParams, data: RaceData, required: boolean): number[] | Failure {
  const raw = query.get("event_id");
  if (raw === null || raw === "") {
    return required
      ? { error: "invalidParameters", detail: "event_id is required." }
      : DEMO_EVENTS.map((event) => event.eventId);
  }
  const ids = raw.split(",").map((part) => part.trim());
  if (ids.some((id) => !/^\d{1,12}$/.test(id))) return { error: "invalidEvent" };
  const numbers = ids.map(Number);
  return numbers.every((id) => data.event(id) !== undefined) ? numbers : { error: "invalidEvent" };
}

const pageOf = <T>(rows: readonly T[], paging: Paging) =>
  rows.slice((paging.page - 1) * paging.perPage, paging.page * paging.perPage);

/** Answers one authorised call to the race's REST endpoints. `errorStatus`: the HTTP status of error bodies. */
export function answer(
  endpoint: Exclude<Endpoint, ResultEndpoint>,
  raceId: string,
  query: URLSearchParams,
  data: RaceData,
  errorStatus: number,
): ApiResponse {
  if (raceId !== String(DEMO_RACE_ID)) return rsuError("raceNotFound", errorStatus);
  if (endpoint === "race") return json(200, raceBody(data, query.get("include_event_days") === "T"));

  const paging = pagingOf(query);
  if (isFailure(paging)) return rsuError(paging.error, errorStatus, paging.detail);
  const events = eventIdsOf(query, data, endpoint === "participants");
  if (isFailure(events)) return rsuError(events.error, errorStatus, events.detail);
  const { modifiedAfter } = paging;

  if (endpoint === "removed-participants") {
    // The rows are inside `event.participants` here, unlike the participants answer.
    return json(
      200,
      events.map((eventId) => {
        const rows = data
          .removed(eventId)
          .filter((r) => modifiedAfter === undefined || r.lastModified >= modifiedAfter);
        return {
          event: { event_id: eventId, participants: pageOf(rows, paging).map((r) => removedRow(r, data)) },
        };
      }),
    );
  }

  const descending = /^registration_id\s+desc$/i.test(query.get("sort")?.trim() ?? "");
  const after = positiveInt(query, "after_registration_id", 0);
  if (isFailure(after)) return rsuError(after.error, errorStatus, after.detail);
  // The live form: a top-level array, one element per event, rows beside an empty `event.participants`.
  return json(
    200,
    events.map((eventId) => {
      let rows = data
        .participants(eventId)
        .filter((r) => modifiedAfter === undefined || r.lastModified >= modifiedAfter)
        .filter((r) => after === 0 || (descending ? r.registrationId < after : r.registrationId > after));
      if (descending) rows = rows.reverse();
      return {
        event: { event_id: eventId, participants: [] },
        participants: pageOf(rows, paging).map((r) => participantRow(r, data)),
      };
    }),
  );
}
