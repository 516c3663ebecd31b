import type { ReadMapping, ReadSelector } from "#core/data-reads.ts";
import { ValidationError } from "#core/errors.ts";
import { EVENT_ID_HINT } from "./definition.ts";

/**
 * Which ZwiftRacing sync refreshes a read of stored data (`GET /data/zwiftracing/{entityType}`).
 * Per-event rows (./mapping.ts) have ids `<eventId>:<riderId>`: a read of one event's signups or
 * results (`prefix=<eventId>`, or one row's `id`) is refreshed by that event's sync; a read across
 * events names no single sync. `events` is the upcoming list's (the `events` sync type, not the
 * `results` safety net). Other entity types keep the catalog's default.
 */

/** Entity types of per-event rows, and the sync type (params `{ eventId }`) that writes them. */
const PER_EVENT_ROWS: Readonly<Record<string, string>> = { signups: "signups", results: "eventResults" };

const EVENT_ID = /^\d{1,12}$/;
const NO_PARAMS: Readonly<Record<string, string>> = {};

export const zwiftracingReads: ReadMapping = (entityType, selector) => {
  const perEvent = PER_EVENT_ROWS[entityType];
  if (perEvent !== undefined) return perEventRead(perEvent, selector);
  if (entityType === "eventResults" || entityType === "events") {
    const eventId = selector.id ?? selector.prefix;
    if (eventId !== undefined && !EVENT_ID.test(eventId))
      throw new ValidationError(`${selector.id === undefined ? "prefix" : "id"}: ${EVENT_ID_HINT}`);
    if (entityType === "events") return { subject: { syncType: "events", params: NO_PARAMS } };
    return {
      subject:
        selector.id === undefined ? null : { syncType: "eventResults", params: { eventId: selector.id } },
    };
  }
  return undefined;
};

/**
 * A read of per-event rows: `prefix=<eventId>` (or `<eventId>:…`) lists that event's rows, and is
 * narrowed to `<eventId>:` so event 12's read never lists event 123's; `id=<eventId>:<riderId>` is
 * one row.
 */
function perEventRead(syncType: string, { id, prefix }: ReadSelector): ReturnType<ReadMapping> {
  if (id !== undefined) {
    const [eventId, riderId, ...rest] = id.split(":");
    if (
      eventId === undefined ||
      !EVENT_ID.test(eventId) ||
      !/^\d{1,12}$/.test(riderId ?? "") ||
      rest.length > 0
    )
      throw new ValidationError(
        `id: expected <eventId>:<riderId>, Zwift ids of 1 to 12 digits, e.g. "4613373:5574"`,
      );
    return { subject: { syncType, params: { eventId } } };
  }
  if (prefix === undefined) return { subject: null };
  const [eventId = "", ...rest] = prefix.split(":");
  if (!EVENT_ID.test(eventId)) throw new ValidationError(`prefix: ${EVENT_ID_HINT}`);
  return { subject: { syncType, params: { eventId } }, ...(rest.length === 0 && { prefix: `${eventId}:` }) };
}
