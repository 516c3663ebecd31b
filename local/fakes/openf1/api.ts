import { buildCalendar, type FakeCalendar, type FakeSession, type Row } from "./data.ts";
import { raceControlRows, weatherRows } from "./feeds.ts";
import { compare, compileFilters } from "./filter.ts";
import { type Filter, parseQuery, QueryError } from "./query.ts";

export interface ApiResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** OpenF1 counts a session as live until 30 minutes after it ends. */
const LIVE_TAIL_MS = 30 * 60_000;
/** `latest` may point at a session starting within the next minute. */
const LATEST_LEAD_MS = 60_000;
const SORT_KEYS = ["date_start", "meeting_key", "session_key", "position_current"];

/** Endpoints OpenF1 has but the fake holds no data for: they answer "No results found.", as OpenF1 does for an empty match. */
const EMPTY_ENDPOINTS = new Set([
  "drivers",
  "laps",
  "position",
  "intervals",
  "pit",
  "stints",
  "session_result",
  "starting_grid",
  "car_data",
  "location",
  "overtakes",
  "team_radio",
  "championship_drivers",
  "championship_teams",
]);

const json = (status: number, value: unknown): ApiResponse => ({
  status,
  contentType: "application/json",
  body: JSON.stringify(value),
});
export const NOT_FOUND = json(404, { detail: "Not Found" });
const NO_RESULTS = json(404, { detail: "No results found." });

/** OpenF1's query API over a generated calendar, without HTTP, auth or limits. */
export class FakeOpenF1Api {
  readonly calendar: FakeCalendar;
  /** Feeds of finished sessions never change again; computing them once keeps every query cheap. */
  readonly #finishedFeeds = new Map<string, readonly Row[]>();

  constructor(startedAt: Date, raceStartMs?: number) {
    this.calendar = buildCalendar(startedAt, raceStartMs);
  }

  /** Whether any session is live, by OpenF1's definition (running, or ended < 30 min ago). */
  isLive(nowMs: number): boolean {
    return this.#held().some(
      (session) =>
        Date.parse(session.date_start) <= nowMs && nowMs <= Date.parse(session.date_end) + LIVE_TAIL_MS,
    );
  }

  query(endpoint: string, rawQuery: string, nowMs: number): ApiResponse {
    const rows = this.#rowsOf(endpoint.toLowerCase(), nowMs);
    if (rows === undefined) return NOT_FOUND;
    let filters: Filter[];
    try {
      filters = this.#resolveLatest(parseQuery(rawQuery), nowMs);
    } catch (error) {
      if (!(error instanceof QueryError)) throw error;
      // What OpenF1's own server answers for a filter it cannot parse.
      return {
        status: 500,
        contentType: "text/html",
        body: `<h1>An error occurred</h1><pre>${error.message}</pre>`,
      };
    }
    const csv = filters.filter((filter) => filter.field === "csv");
    const matches = compileFilters(filters.filter((filter) => filter.field !== "csv"));
    const found = sortRows(rows.filter(matches));
    if (found.length === 0) return NO_RESULTS;
    if (csv.some((filter) => filter.op === "=" && filter.value === true)) return csvResponse(found, endpoint);
    return json(200, found);
  }

  #rowsOf(endpoint: string, nowMs: number): readonly Row[] | undefined {
    switch (endpoint) {
      case "meetings":
        return this.calendar.meetings;
      case "sessions":
        return this.calendar.sessions;
      case "weather":
      case "race_control":
        return this.#held()
          .filter((session) => Date.parse(session.date_start) <= nowMs)
          .flatMap((session) => this.#feed(endpoint, session, nowMs));
      default:
        return EMPTY_ENDPOINTS.has(endpoint) ? [] : undefined;
    }
  }

  #feed(endpoint: "weather" | "race_control", session: FakeSession, nowMs: number): readonly Row[] {
    const cacheKey = `${endpoint}:${session.session_key}`;
    const cached = this.#finishedFeeds.get(cacheKey);
    if (cached !== undefined) return cached;
    const airTemperature = this.calendar.airTemperatureByMeeting.get(session.meeting_key) ?? 20;
    const rows =
      endpoint === "weather" ? weatherRows(session, airTemperature, nowMs) : raceControlRows(session, nowMs);
    if (nowMs > Date.parse(session.date_end) + 60_000) this.#finishedFeeds.set(cacheKey, rows);
    return rows;
  }

  #held(): readonly FakeSession[] {
    return this.calendar.sessions.filter((session) => !session.is_cancelled);
  }

  /** `latest`: the non-cancelled session that started last, up to a minute from now. */
  #resolveLatest(filters: Filter[], nowMs: number): Filter[] {
    const started = this.#held().filter(
      (session) => Date.parse(session.date_start) <= nowMs + LATEST_LEAD_MS,
    );
    const latest = started.reduce<FakeSession | undefined>(
      (best, session) => (best === undefined || session.date_start > best.date_start ? session : best),
      undefined,
    );
    return filters.map((filter) => {
      if (filter.value !== "latest" || latest === undefined) return filter;
      if (filter.field === "session_key") return { ...filter, value: latest.session_key };
      if (filter.field === "meeting_key") return { ...filter, value: latest.meeting_key };
      return filter;
    });
  }
}

/** OpenF1's order: date_start, meeting_key, session_key, position_current, then as stored. */
function sortRows(rows: readonly Row[]): Row[] {
  return [...rows].sort((a, b) => {
    for (const key of SORT_KEYS) {
      const order = compareField(a[key], b[key]);
      if (order !== 0) return order;
    }
    return 0;
  });
}

function compareField(a: unknown, b: unknown): number {
  // Like the database, rows without the field come first.
  if (a === undefined || a === null) return b === undefined || b === null ? 0 : -1;
  if (b === undefined || b === null) return 1;
  return compare(a as string | number, b as string | number) ?? 0;
}

function csvResponse(rows: readonly Row[], endpoint: string): ApiResponse {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))].sort();
  const cell = (value: unknown) => {
    const text =
      value === null || value === undefined
        ? ""
        : typeof value === "boolean"
          ? value
            ? "True"
            : "False"
          : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const lines = [
    columns.join(","),
    ...rows.map((row) => columns.map((column) => cell(row[column])).join(",")),
  ];
  return {
    status: 200,
    contentType: "text/csv; charset=utf-8",
    body: `${lines.join("\r\n")}\r\n`,
    headers: { "content-disposition": `attachment; filename=${endpoint}.csv` },
  };
}
