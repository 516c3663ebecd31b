import {
  type PublishedResult,
  publishedResultId,
  type ResultKind,
  type ResultRow,
} from "#providers/race/shapes.ts";
import { contentHash } from "../content-hash.ts";
import type { UnifiedParticipant } from "./participants.ts";
import type { RaceEventRecord, RegistrationFeed } from "./types.ts";

/**
 * What a publication would send: the scoring provider's results of one kind, each matched to its
 * unified participant and so to the participant's registrations, as one row per registration
 * provider's event — and how that differs from what was published there before. Pure.
 */

/** A result the scoring provider holds for a runner, with the id of its stored entity. */
export interface StoredResult {
  readonly id: string;
  readonly row: ResultRow;
}

/** Which ChronoTrack-style entry a pushed participant became (the scoring store's entry links). */
export interface EntryLink {
  readonly participantId: string;
  readonly entryId: string;
}

/** One row for one registration, with its entity id in the registration provider's store. */
export interface PublicationRow {
  readonly id: string;
  readonly result: PublishedResult;
}

export interface RowChange {
  readonly before: PublishedResult;
  readonly after: PublishedResult;
}

/** One registration feed's part of a publication. */
export interface TargetDiff {
  readonly feed: RegistrationFeed;
  /** Rows this publication holds for the feed, changed or not. */
  readonly rows: number;
  readonly added: readonly PublicationRow[];
  readonly changed: readonly (RowChange & { readonly id: string })[];
  /** Published before, absent now (a result withdrawn, a runner disqualified out of the list). */
  readonly removed: readonly PublicationRow[];
  readonly unchanged: number;
}

export interface PublicationPlan {
  /** Results of the kind the scoring provider holds for the event. */
  readonly results: number;
  /** Results matched to a participant with at least one registration in a feed. */
  readonly matched: number;
  /** Results no participant could be found for (a bib never registered, say): never sent. */
  readonly unmatched: number;
  readonly targets: readonly TargetDiff[];
}

export interface PlanInput {
  readonly event: RaceEventRecord;
  readonly kind: ResultKind;
  /** The event's results (its copy of its scoring event's rows); the other kind's are left out here. */
  readonly results: readonly StoredResult[];
  readonly participants: readonly UnifiedParticipant[];
  readonly entryLinks?: readonly EntryLink[];
  /** What each registration provider was last published, by provider (its `published_results`). */
  readonly published: (provider: string) => readonly PublicationRow[];
}

export function planPublication(input: PlanInput): PublicationPlan {
  const { event, kind } = input;
  const results = input.results.filter(({ row }) => (row.preliminary ? "preliminary" : "final") === kind);
  const find = participantFinder(input.participants, input.entryLinks ?? []);
  const byFeed = new Map<string, PublicationRow[]>(event.registration.map((feed) => [feedKey(feed), []]));
  let matched = 0;
  for (const { row } of results) {
    const participant = find(row);
    const rows = participant ? rowsFor(event, kind, participant, row) : [];
    if (rows.length === 0) continue;
    matched++;
    for (const { feed, entry } of rows) byFeed.get(feedKey(feed))?.push(entry);
  }
  const targets = event.registration.map((feed) =>
    diffTarget(feed, byFeed.get(feedKey(feed)) ?? [], input.published(feed.provider), kind),
  );
  return { results: results.length, matched, unmatched: results.length - matched, targets };
}

/** Matched on the id Pacer pushed (echoed, or through an entry link), then the bib. */
function participantFinder(
  participants: readonly UnifiedParticipant[],
  links: readonly EntryLink[],
): (row: ResultRow) => UnifiedParticipant | undefined {
  const live = participants.filter((p) => !p.cancelled);
  const byId = new Map(live.map((p) => [p.participantId, p]));
  const byEntry = new Map(links.map((link) => [link.entryId, link.participantId]));
  const byBib = new Map<string, UnifiedParticipant>();
  for (const p of live) if (p.fields.bib) byBib.set(p.fields.bib.trim(), p);
  return (row) => {
    const linked = row.entryId === undefined ? undefined : byEntry.get(row.entryId);
    const id = row.participantId ?? linked;
    const byPushedId = id === undefined ? undefined : byId.get(id);
    if (byPushedId) return byPushedId;
    return row.bib === undefined ? undefined : byBib.get(row.bib.trim());
  };
}

/** The result once per registration of the participant that a feed of the event carries. */
function rowsFor(
  event: RaceEventRecord,
  kind: ResultKind,
  participant: UnifiedParticipant,
  row: ResultRow,
): { feed: RegistrationFeed; entry: PublicationRow }[] {
  return participant.sources.flatMap((source) => {
    const [provider, eventId, ...rest] = source.split(":");
    const registrationId = rest.join(":");
    const feed = event.registration.find((f) => f.provider === provider && f.eventId === eventId);
    if (!feed || !eventId || !registrationId) return [];
    const { firstName, lastName, bib } = participant.fields;
    const result: PublishedResult = {
      eventId,
      registrationId,
      kind,
      ...defined({
        bib: row.bib ?? bib,
        firstName,
        lastName,
        place: row.place,
        genderPlace: row.genderPlace,
        categoryPlace: row.categoryPlace,
        gunTimeMs: row.gunTimeMs,
        chipTimeMs: row.chipTimeMs,
        status: row.status,
      }),
    };
    return [{ feed, entry: { id: publishedResultId(kind, eventId, registrationId), result } }];
  });
}

function diffTarget(
  feed: RegistrationFeed,
  rows: readonly PublicationRow[],
  published: readonly PublicationRow[],
  kind: ResultKind,
): TargetDiff {
  const before = new Map(
    published
      .filter(({ result }) => result.eventId === feed.eventId && result.kind === kind)
      .map((entry) => [entry.id, entry.result]),
  );
  const added: PublicationRow[] = [];
  const changed: (RowChange & { id: string })[] = [];
  let unchanged = 0;
  // One row per registration: a result matched twice to it (two rows with one bib) keeps the first.
  const seen = new Set<string>();
  for (const entry of rows) {
    if (seen.has(entry.id)) continue;
    seen.add(entry.id);
    const previous = before.get(entry.id);
    if (previous === undefined) added.push(entry);
    else if (contentHash(previous) !== contentHash(entry.result))
      changed.push({ id: entry.id, before: previous, after: entry.result });
    else unchanged++;
  }
  const removed = [...before].filter(([id]) => !seen.has(id)).map(([id, result]) => ({ id, result }));
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return {
    feed,
    rows: seen.size,
    added: added.sort(byId),
    changed: changed.sort(byId),
    removed: removed.sort(byId),
    unchanged,
  };
}

const feedKey = (feed: RegistrationFeed) => `${feed.connectionId}:${feed.eventId}`;

function defined<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(values).filter(([, v]) => v !== undefined && v !== ""),
  ) as Partial<T>;
}
