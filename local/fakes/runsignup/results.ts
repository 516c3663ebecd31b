import { type ApiResponse, json, type ResultEndpoint, rsuError } from "./api.ts";
import { DEMO_RACE_ID, type RaceData, type Registration } from "./data.ts";

/**
 * The fake's result sets and posted results, in memory: `GET …/results/get-result-sets`,
 * `POST …/results/new-result-set`, `POST …/results/full-results` (runsignup.com/API pages) and
 * `GET …/results/get-results` serving back what was posted. A row posted again for the same
 * registration in the same set replaces it. UNVERIFIED shapes, as Pacer's module assumes them:
 * full-results' rows under `results`, new-result-set answering `individual_result_set_id`.
 */

type Row = Readonly<Record<string, unknown>>;

export interface ResultSet {
  readonly resultSetId: number;
  readonly eventId: number;
  readonly name: string;
  readonly preliminary: boolean;
  readonly public: boolean;
  /** By registration_id: the last row posted for it, with the result_id it was given first. */
  readonly rows: Map<number, { readonly resultId: number; readonly row: Row }>;
}

/** What `GET /_fake/results` answers: every set with the rows posted to it. */
export interface PostedResults {
  readonly sets: readonly {
    eventId: number;
    resultSetId: number;
    name: string;
    preliminary: boolean;
    rows: Row[];
  }[];
}

const TIME = /^(?:\d{1,3}:)?\d{1,2}:\d{2}(?:\.\d{1,3})?$/;
const STATUSES = new Set(["DQ", "DNS", "DNF", "DNQ"]);
const FIRST_SET_ID = 40_001;

export class ResultBook {
  readonly #sets: ResultSet[] = [];
  #nextResultId = 9_000_001;

  sets(eventId: number): ResultSet[] {
    return this.#sets.filter((set) => set.eventId === eventId);
  }

  create(eventId: number, name: string, preliminary: boolean, isPublic: boolean): ResultSet {
    const set: ResultSet = {
      resultSetId: FIRST_SET_ID + this.#sets.length,
      eventId,
      name,
      preliminary,
      public: isPublic,
      rows: new Map(),
    };
    this.#sets.push(set);
    return set;
  }

  /** Stores a row for a registration, replacing the one posted for it before (its result_id kept). */
  store(set: ResultSet, registrationId: number, row: Row): void {
    const resultId = set.rows.get(registrationId)?.resultId ?? this.#nextResultId++;
    set.rows.set(registrationId, { resultId, row });
  }

  posted(): PostedResults {
    return {
      sets: this.#sets.map((set) => ({
        eventId: set.eventId,
        resultSetId: set.resultSetId,
        name: set.name,
        preliminary: set.preliminary,
        rows: [...set.rows.entries()].sort(([a], [b]) => a - b).map(([, { row }]) => row),
      })),
    };
  }
}

/** An authorised call's answer, and for a full-results call that stored its rows, how many. */
export interface ResultAnswer {
  readonly response: ApiResponse;
  readonly posted?: number;
}

const answered = (response: ApiResponse, posted?: number): ResultAnswer =>
  posted === undefined ? { response } : { response, posted };

/** Answers one authorised call to a result endpoint; `params`: the query and a POST's form fields. */
export function answerResults(
  endpoint: ResultEndpoint,
  raceId: string,
  params: URLSearchParams,
  data: RaceData,
  book: ResultBook,
  errorStatus: number,
): ResultAnswer {
  const fail = (kind: Parameters<typeof rsuError>[0], detail?: string) =>
    answered(rsuError(kind, errorStatus, detail));
  if (raceId !== String(DEMO_RACE_ID)) return fail("raceNotFound");
  const rawEvent = params.get("event_id") ?? "";
  if (rawEvent === "") return fail("invalidParameters", "event_id is required.");
  const eventId = /^\d{1,12}$/.test(rawEvent) ? Number(rawEvent) : undefined;
  if (eventId === undefined || data.event(eventId) === undefined) return fail("invalidEvent");

  if (endpoint === "result-sets")
    return answered(json(200, { individual_results_sets: book.sets(eventId).map(setObject) }));
  if (endpoint === "results") return answered(resultsBody(book.sets(eventId), params, data));

  if (params.get("request_format") !== "json")
    return fail("invalidParameters", "This fake takes request_format=json only.");
  const request = parseRequest(params.get("request"));
  if (request === undefined) return fail("invalidParameters", "request is not a JSON object.");

  if (endpoint === "new-result-set") {
    const name = request.individual_result_set_name;
    if (typeof name !== "string" || name.trim() === "")
      return fail("invalidParameters", "individual_result_set_name is required.");
    const set = book.create(
      eventId,
      name.trim(),
      request.preliminary_results === "T",
      request.public_results !== "F",
    );
    return answered(json(200, { individual_result_set_id: set.resultSetId }));
  }

  const set = setFor(book, eventId, params.get("individual_result_set_id"));
  if (typeof set === "string")
    return fail(set === "ambiguous" ? "invalidParameters" : "invalidId", setProblem[set]);
  const rows = request.results;
  if (!Array.isArray(rows)) return fail("invalidParameters", "request.results must be an array.");
  const accepted: { registrationId: number; row: Row }[] = [];
  for (const [index, row] of rows.entries()) {
    const checked = checkRow(row, eventId, data);
    if (typeof checked === "string") return fail("invalidParameters", `results[${index}]: ${checked}`);
    accepted.push({ registrationId: checked.registrationId, row: row as Row });
  }
  for (const { registrationId, row } of accepted) book.store(set, registrationId, row);
  // UNVERIFIED: the page shows no answer; this one echoes what was stored, as virtual results do.
  return answered(
    json(200, {
      individual_result_set_id: set.resultSetId,
      results: accepted.map(({ registrationId }) => ({ registration_id: registrationId })),
    }),
    accepted.length,
  );
}

const setProblem = {
  ambiguous: "individual_result_set_id is required: the event has several result sets.",
  unknown: "Invalid ID.",
};

/** The set a post goes to: the one named, else the event's only one, else a new one (as documented). */
function setFor(book: ResultBook, eventId: number, raw: string | null): ResultSet | "ambiguous" | "unknown" {
  const sets = book.sets(eventId);
  if (raw === null || raw === "") {
    if (sets.length > 1) return "ambiguous";
    return sets[0] ?? book.create(eventId, "Results", false, true);
  }
  return sets.find((set) => String(set.resultSetId) === raw) ?? "unknown";
}

/** A row must match a registration of the event (registration_id or bib_num); times as documented. */
function checkRow(row: unknown, eventId: number, data: RaceData): { registrationId: number } | string {
  if (typeof row !== "object" || row === null || Array.isArray(row)) return "not an object";
  const fields = row as Row;
  for (const field of ["clock_time", "chip_time"]) {
    const value = fields[field];
    if (value !== undefined && value !== null && value !== "" && !validTime(value))
      return `${field} is not a time or one of DQ, DNS, DNF, DNQ`;
  }
  const registrations = data.participants(eventId);
  const byId = registrations.find((r) => String(r.registrationId) === String(fields.registration_id ?? ""));
  const byBib = registrations.find((r) => r.bib !== null && String(r.bib) === String(fields.bib_num ?? ""));
  const registration = byId ?? byBib;
  if (registration === undefined) return "no registration of the event matches registration_id or bib_num";
  return { registrationId: registration.registrationId };
}

const validTime = (value: unknown) =>
  typeof value === "string" && (TIME.test(value) || STATUSES.has(value.toUpperCase()));

function parseRequest(raw: string | null): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(raw ?? "");
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const flag = (value: boolean) => (value ? "T" : "F");

function setObject(set: ResultSet) {
  return {
    individual_result_set_id: set.resultSetId,
    individual_result_set_name: set.name,
    public_results: flag(set.public),
    preliminary_results: flag(set.preliminary),
    results_source_name: null,
    results_source_url: null,
    pace_type: "T",
  };
}

/** `GET …/get-results`: each set (or the one asked for) with its rows in get-results' field names. */
function resultsBody(sets: readonly ResultSet[], params: URLSearchParams, data: RaceData): ApiResponse {
  const wanted = params.get("individual_result_set_id");
  const perPage = Math.max(1, Number(params.get("results_per_page") ?? "50") || 50);
  const page = Math.max(1, Number(params.get("page") ?? "1") || 1);
  return json(200, {
    individual_results_sets: sets
      .filter((set) => wanted === null || String(set.resultSetId) === wanted)
      .map((set) => ({
        ...setObject(set),
        results_headers: {
          place: "Place",
          bib: "Bib",
          first_name: "First Name",
          last_name: "Last Name",
          clock_time: "Clock Time",
          chip_time: "Chip Time",
        },
        results: [...set.rows.entries()]
          .sort(([a], [b]) => a - b)
          .slice((page - 1) * perPage, page * perPage)
          .map(([registrationId, stored]) =>
            resultObject(registrationId, stored, registrationOf(data, set.eventId, registrationId)),
          ),
      })),
  });
}

const registrationOf = (data: RaceData, eventId: number, registrationId: number) =>
  data.participants(eventId).find((r) => r.registrationId === registrationId);

function resultObject(
  registrationId: number,
  { resultId, row }: { resultId: number; row: Row },
  r: Registration | undefined,
) {
  return {
    result_id: resultId,
    place: row.place ?? "",
    bib: row.bib_num ?? r?.bib ?? "",
    first_name: r?.firstName ?? "",
    last_name: r?.lastName ?? "",
    gender: r?.gender ?? "",
    city: r?.city ?? "",
    state: r?.region ?? "",
    country_code: r?.country ?? "",
    clock_time: row.clock_time ?? "",
    chip_time: row.chip_time ?? "",
    registration_id: registrationId,
  };
}
