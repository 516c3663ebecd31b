import { finishTimes } from "../race/people.ts";
import { eventRow, type FakeEvent, OLDER_EVENT_ID, olderFinishers, raceOfDistance, raceRow } from "./data.ts";
import { type EntryBook, EntryRefusal, entryBody } from "./entries.ts";
import { type Finisher, resultRows } from "./results.ts";

export interface ApiResponse {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export const json = (status: number, value: unknown, headers?: Record<string, string>): ApiResponse => ({
  status,
  body: JSON.stringify(value),
  ...(headers && { headers }),
});
/** ChronoTrack's error body is undocumented; the fake answers `{"error": "…"}`. */
export const error = (status: number, text: string): ApiResponse => json(status, { error: text });

/** What a route sees. */
export interface ApiCall {
  readonly method: string;
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  readonly body: string;
  readonly events: readonly FakeEvent[];
  readonly book: EntryBook;
  /** A push the book accepted, for the stats. */
  onPush(kind: "created" | "updated"): void;
}

export interface Route {
  readonly method: "GET" | "POST" | "PUT";
  readonly pattern: RegExp;
  handle(call: ApiCall): ApiResponse;
}

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 2_000;

/** One page of `rows` under `wrapper`, with the X-Ctlive-* paging headers clients read. */
export function paged(wrapper: string, rows: readonly unknown[], query: URLSearchParams): ApiResponse {
  const page = Math.max(1, Math.floor(Number(query.get("page") ?? 1)) || 1);
  const size = Math.min(
    MAX_PAGE_SIZE,
    Math.max(1, Math.floor(Number(query.get("size") ?? 0)) || DEFAULT_PAGE_SIZE),
  );
  const pageCount = Math.ceil(rows.length / size);
  return json(
    200,
    { [wrapper]: rows.slice((page - 1) * size, page * size) },
    {
      "X-Ctlive-Row-Count": String(rows.length),
      "X-Ctlive-Page-Count": String(pageCount),
      "X-Ctlive-Page-Size": String(size),
      "X-Ctlive-Current-Page": String(page),
    },
  );
}

const eventOf = (call: ApiCall): FakeEvent | undefined =>
  call.events.find((e) => e.eventId === call.params[0]);
const EVENT_NOT_FOUND = error(404, "Event not found");

function readBody(body: string) {
  try {
    return entryBody.safeParse(JSON.parse(body));
  } catch {
    return undefined;
  }
}

function push(call: ApiCall, write: (fields: Record<string, string>) => ApiResponse): ApiResponse {
  const fields = readBody(call.body);
  if (fields === undefined || !fields.success)
    return error(400, "expected a JSON object of entry fields, each a string");
  try {
    return write(fields.data);
  } catch (refusal) {
    if (refusal instanceof EntryRefusal) return error(refusal.status, refusal.message);
    throw refusal;
  }
}

const entryAnswer = (entryId: string, eventId: string, fields: Record<string, string>) =>
  json(200, { entry: { entry_id: entryId, event_id: eventId, ...fields } });

/** The event's results: its finished entries (last year's edition: its 40 finishers). */
function finishersOf(call: ApiCall, event: FakeEvent): Finisher[] {
  if (event.eventId === OLDER_EVENT_ID)
    return olderFinishers().flatMap(({ bib, person, distance }) => {
      const race = raceOfDistance(event, distance);
      if (race === undefined) return [];
      const names = { firstName: person.firstName, lastName: person.lastName, sex: person.gender };
      const place = { city: person.city, region: person.region };
      return [{ bib, ...names, ...place, raceId: race.raceId, ...finishTimes(person, distance) }];
    });
  return call.book.entries(event.eventId).flatMap((entry) => {
    if (entry.finish === undefined) return [];
    const f = entry.fields;
    return [
      {
        entryId: entry.entryId,
        ...defined({
          bib: f.entry_bib,
          firstName: f.athlete_first_name,
          lastName: f.athlete_last_name,
          sex: f.athlete_sex,
          city: f.location_city,
          region: f.location_region,
        }),
        raceId: entry.finish.raceId,
        chipMs: entry.finish.chipMs,
        gunMs: entry.finish.gunMs,
      },
    ];
  });
}

function defined<T extends Record<string, string | undefined>>(record: T): Partial<Record<keyof T, string>> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as Partial<
    Record<keyof T, string>
  >;
}

/** Every API route, matched on the path below `/api`. */
export const ROUTES: readonly Route[] = [
  {
    method: "GET",
    pattern: /^\/event$/,
    handle: (call) => paged("event", call.events.map(eventRow), call.query),
  },
  {
    method: "GET",
    pattern: /^\/event\/(\d+)$/,
    handle: (call) => {
      const event = eventOf(call);
      return event ? json(200, { event: eventRow(event) }) : EVENT_NOT_FOUND;
    },
  },
  {
    method: "GET",
    pattern: /^\/event\/(\d+)\/race$/,
    handle: (call) => {
      const event = eventOf(call);
      return event ? paged("event_race", event.races.map(raceRow), call.query) : EVENT_NOT_FOUND;
    },
  },
  {
    method: "GET",
    pattern: /^\/event\/(\d+)\/results$/,
    handle: (call) => {
      const event = eventOf(call);
      return event
        ? paged("event_results", resultRows(event, finishersOf(call, event)), call.query)
        : EVENT_NOT_FOUND;
    },
  },
  {
    method: "POST",
    pattern: /^\/event\/(\d+)\/entry$/,
    handle: (call) => {
      const event = eventOf(call);
      if (event === undefined) return EVENT_NOT_FOUND;
      return push(call, (fields) => {
        const { entry, kind } = call.book.create(event, fields);
        call.onPush(kind);
        return entryAnswer(entry.entryId, event.eventId, entry.fields);
      });
    },
  },
  {
    method: "PUT",
    pattern: /^\/entry\/(\d+)$/,
    handle: (call) =>
      push(call, (fields) => {
        const entry = call.book.update(call.params[0] ?? "", fields, (id) =>
          call.events.find((e) => e.eventId === id),
        );
        call.onPush("updated");
        return entryAnswer(entry.entryId, entry.eventId, entry.fields);
      }),
  },
];

export function findRoute(method: string, path: string): { route: Route; params: string[] } | undefined {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (match) return { route, params: match.slice(1) };
  }
  return undefined;
}
