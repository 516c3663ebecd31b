import { z } from "zod";
import type { Registrations } from "./data.ts";
import { DEMO_EVENT_ID, type FakeEvent } from "./data.ts";

export interface ApiResponse {
  readonly status: number;
  readonly body: string | undefined;
}

export const json = (status: number, value: unknown): ApiResponse => ({
  status,
  body: JSON.stringify(value),
});
/** Race Roster's error bodies are undocumented; the fake answers a plain `{message}`. */
export const message = (status: number, text: string): ApiResponse => json(status, { message: text });
/** OAuth-style, as the token endpoint's errors are (`{error, error_description}`). */
export const oauthError = (status: number, error: string, description: string): ApiResponse =>
  json(status, { error, error_description: description });

/** The largest page the fake serves: an assumption, not a documented number. */
export const MAX_PAGE_SIZE = 100;

const isoDate = z
  .string()
  .refine(
    (value) =>
      /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) && !Number.isNaN(Date.parse(value)),
    {
      message: "must be an ISO 8601 date (URL-encode the + of an offset)",
    },
  );
const paging = {
  offset: z.coerce.number().int().min(0, "offset must be 0 or more").default(0),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE, `limit must be 1 to ${MAX_PAGE_SIZE}`),
};
const eventsQuery = z.object({
  ...paging,
  limit: paging.limit.default(50),
  sort: z.enum(["startDate", "name", "eventId"]).default("startDate"),
  order: z.enum(["asc", "desc"]).default("asc"),
  eventDateFrom: isoDate.optional(),
  eventDateTo: isoDate.optional(),
});
const participantsQuery = z.object({ ...paging, limit: paging.limit.default(MAX_PAGE_SIZE) });

/** A 400 as Race Roster's "validation failed" (its body shape undocumented). */
function invalid(error: z.ZodError): ApiResponse {
  const issue = error.issues[0];
  return message(400, `Validation failed: ${issue?.path.join(".") ?? ""} ${issue?.message ?? ""}`.trim());
}

/** `GET /events`: the account's events, filtered by start date, sorted, paged. */
export function listEvents(events: readonly FakeEvent[], query: URLSearchParams): ApiResponse {
  const parsed = eventsQuery.safeParse(Object.fromEntries(query));
  if (!parsed.success) return invalid(parsed.error);
  const { offset, limit, sort, order, eventDateFrom, eventDateTo } = parsed.data;
  const fromMs = eventDateFrom === undefined ? Number.NEGATIVE_INFINITY : Date.parse(eventDateFrom);
  const toMs = eventDateTo === undefined ? Number.POSITIVE_INFINITY : Date.parse(eventDateTo);
  const key = (event: FakeEvent) => (sort === "startDate" ? Date.parse(event.startDate) : event[sort]);
  const sorted = events
    .filter((event) => Date.parse(event.startDate) >= fromMs && Date.parse(event.startDate) <= toMs)
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) * (order === "asc" ? 1 : -1));
  return json(200, { data: sorted.slice(offset, offset + limit) });
}

export function getEvent(events: readonly FakeEvent[], eventId: number): ApiResponse {
  const event = events.find((e) => e.eventId === eventId);
  return event === undefined ? message(404, "Event not found") : json(200, { data: event });
}

/** `GET /events/{eventId}/participants` in the assumed shape `{data: [row…], metadata: {…}}`. */
export function listParticipants(
  events: readonly FakeEvent[],
  registrations: Registrations,
  eventId: number,
  query: URLSearchParams,
): ApiResponse {
  if (!events.some((e) => e.eventId === eventId)) return message(404, "Event not found");
  const parsed = participantsQuery.safeParse(Object.fromEntries(query));
  if (!parsed.success) return invalid(parsed.error);
  const { offset, limit } = parsed.data;
  // Only the demo race has registrations in the fake; the other events answer an empty list.
  const { rows, total } =
    eventId === DEMO_EVENT_ID ? registrations.page(eventId, offset, limit) : { rows: [], total: 0 };
  return json(200, { data: rows, metadata: { offset, limit, total } });
}
