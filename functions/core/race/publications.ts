import { randomBytes } from "node:crypto";
import type { Catalog, ProviderDef } from "#catalog/types.ts";
import {
  type PublishedResult,
  RACE_ENTITY,
  type ResultKind,
  type ResultRow,
} from "#providers/race/shapes.ts";
import type { Entity } from "#providers/types.ts";
import type { DataReadDeps } from "../data-reads.ts";
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import { firstMessageOf, queuedJob } from "../job.ts";
import type { JobQueue } from "../job-queue.ts";
import type { EntityWriter, JobRecords } from "../sync-job/types.ts";
import { eventResults } from "./event-results.ts";
import { refreshResultsPage } from "./page-refresh.ts";
import type { UnifiedParticipant } from "./participants.ts";
import { type EntryLink, type PublicationRow, planPublication, type TargetDiff } from "./publication-rows.ts";
import { PreparePublicationSchema, type PublicationView } from "./publication-schemas.ts";
import { type PageRefresh, parseBody } from "./schemas.ts";
import { eventNamespace, type RaceEventRecord, type RaceEventStore } from "./types.ts";

/**
 * Results go back to the registration platforms only when a person says so: a publication is
 * prepared (what each platform would receive, and the difference from what it got before), read,
 * and then approved — and only the approval writes what is to be sent and queues the sends. A
 * publish to a registration platform can notify every runner, so nothing here sends on its own.
 */

/** The sync type a registration provider receives results by (a push of `published_results`). */
export const PUBLISH_SYNC = "publish";

export interface PublicationTarget {
  readonly connectionId: string;
  readonly provider: string;
  readonly eventId: string;
  readonly supported: boolean;
  readonly reason?: string;
  readonly rows: number;
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
  readonly unchanged: number;
}

export interface Approval {
  /** The approving caller's subject. */
  readonly by: string;
  readonly at: string;
  /** Rows approved to be sent (added and changed, to supported providers). */
  readonly sent: number;
  readonly jobs: readonly string[];
}

export interface PublicationRecord {
  readonly tenantId: string;
  readonly eventId: string;
  readonly publicationId: string;
  readonly kind: ResultKind;
  readonly status: "prepared" | "approved";
  readonly preparedAt: string;
  readonly preparedBy: string;
  /** The approved publication of this kind the diff was taken against. */
  readonly basedOn?: string;
  readonly results: number;
  readonly matched: number;
  readonly unmatched: number;
  readonly targets: readonly PublicationTarget[];
  readonly approval?: Approval;
}

/** What changes for one target, as stored beside the record (the rows a publication approves). */
export interface StoredDiff {
  readonly connectionId: string;
  readonly provider: string;
  readonly eventId: string;
  readonly added: readonly PublicationRow[];
  readonly changed: readonly {
    readonly id: string;
    readonly before: PublishedResult;
    readonly after: PublishedResult;
  }[];
  readonly removed: readonly PublicationRow[];
}

export type ApproveOutcome = "approved" | "not-prepared" | "stale";

/** Publications by tenant and event (a tenant never reads another's). */
export interface PublicationStore {
  create(record: PublicationRecord, diff: readonly StoredDiff[]): Promise<void>;
  get(tenantId: string, eventId: string, publicationId: string): Promise<PublicationRecord | undefined>;
  list(tenantId: string, eventId: string): Promise<PublicationRecord[]>;
  diff(tenantId: string, eventId: string, publicationId: string): Promise<StoredDiff[]>;
  /** The last approved publication of the kind. */
  head(tenantId: string, eventId: string, kind: ResultKind): Promise<string | undefined>;
  /**
   * Records the approval if the publication is still prepared and the last approved one of its
   * kind is still the one it was prepared against; in one write, so two approvals never both stand.
   */
  approve(record: PublicationRecord & { readonly approval: Approval }): Promise<ApproveOutcome>;
}

export interface PublicationDeps {
  readonly events: Pick<RaceEventStore, "get">;
  readonly publications: PublicationStore;
  readonly entities: EntityWriter;
  readonly catalog: Catalog;
  readonly jobs: Pick<JobRecords, "create">;
  readonly queue: Pick<JobQueue, "send">;
  readonly clock?: () => number;
  readonly newId?: () => string;
}

/** `pub-` and 20 lowercase hex digits from the system's random source. */
export const newPublicationId = (): string => `pub-${randomBytes(10).toString("hex")}`;

/** `POST /events/{eventId}/publications`: what would be sent, and nothing sent. */
export async function preparePublication(
  deps: PublicationDeps,
  tenantId: string,
  eventId: string,
  body: unknown,
  by: string,
): Promise<PublicationView> {
  const { kind = "final" } = parseBody(PreparePublicationSchema, body ?? {});
  const event = await loadEvent(deps, tenantId, eventId);
  const scoring = event.scoring;
  if (!scoring)
    throw new ValidationError("scoring: the event has no scoring target, so it has no results to publish");
  // The event's own copy of its results (./event-results.ts): only its scoring event's rows,
  // however the provider names that event (Copernico's rows carry the slug, its target the UUID).
  const eventStore = deps.entities.reader(tenantId, eventNamespace(eventId));
  const [results, participants, links, published] = await Promise.all([
    eventStore.list(RACE_ENTITY.results),
    eventStore.list(RACE_ENTITY.participants),
    deps.entities.reader(tenantId, scoring.provider).list(ENTRY_LINKS),
    publishedBy(deps, tenantId, event),
  ]);
  const plan = planPublication({
    event,
    kind,
    results: results.map((entity) => ({ id: entity.id, row: entity.data as ResultRow })),
    participants: participants.map((entity) => entity.data as unknown as UnifiedParticipant),
    entryLinks: links.flatMap((entity) => entryLinkOf(entity, scoring.eventId)),
    published: (provider) => published.get(provider) ?? [],
  });
  const basedOn = await deps.publications.head(tenantId, eventId, kind);
  const record: PublicationRecord = {
    tenantId,
    eventId,
    publicationId: (deps.newId ?? newPublicationId)(),
    kind,
    status: "prepared",
    preparedAt: new Date(now(deps)).toISOString(),
    preparedBy: by,
    ...(basedOn === undefined ? {} : { basedOn }),
    results: plan.results,
    matched: plan.matched,
    unmatched: plan.unmatched,
    targets: plan.targets.map((target) => targetOf(deps.catalog, target)),
  };
  await deps.publications.create(record, plan.targets.map(storedDiffOf));
  await announce(deps, record);
  return publicationView(record);
}

/**
 * `GET /events/{eventId}/results`: the event's copy of its scoring provider's results, at once;
 * results older than their target, from the event's start until it is retired, are refreshed
 * (`refresh`, see ./page-refresh.ts). Without `refreshing`, nothing is.
 */
export async function listEventResults(
  deps: Pick<PublicationDeps, "events" | "entities"> & { readonly refreshing?: DataReadDeps },
  tenantId: string,
  eventId: string,
): Promise<{ results: ResultRow[]; refresh: PageRefresh[] }> {
  const event = await loadEvent(deps, tenantId, eventId);
  const [results, refresh] = await Promise.all([
    eventResults(deps.entities, tenantId, eventId),
    deps.refreshing === undefined ? [] : refreshResultsPage(deps.refreshing, event),
  ]);
  return { results, refresh };
}

/** `GET /events/{eventId}/publications/{publicationId}`, with its diff. */
export async function getPublication(
  deps: PublicationDeps,
  tenantId: string,
  eventId: string,
  publicationId: string,
): Promise<PublicationView> {
  const record = await load(deps, tenantId, eventId, publicationId);
  const diff = await deps.publications.diff(tenantId, eventId, publicationId);
  return publicationView(record, diff);
}

/** `GET /events/{eventId}/publications`: newest first, without their rows. */
export async function listPublications(
  deps: PublicationDeps,
  tenantId: string,
  eventId: string,
): Promise<{ publications: PublicationView[] }> {
  await loadEvent(deps, tenantId, eventId);
  const records = await deps.publications.list(tenantId, eventId);
  records.sort(
    (a, b) => b.preparedAt.localeCompare(a.preparedAt) || b.publicationId.localeCompare(a.publicationId),
  );
  return { publications: records.map((record) => publicationView(record)) };
}

/**
 * `POST …/publications/{publicationId}/approve`: records who approved what and when, then writes
 * the approved rows where each provider's publish sync finds them and queues one publish job per
 * provider event with something to send. Approving it again repeats the delivery (idempotent: the
 * same rows, the same job ids), so an approval cut short is finished by asking once more.
 */
export async function approvePublication(
  deps: PublicationDeps,
  tenantId: string,
  eventId: string,
  publicationId: string,
  by: string,
): Promise<PublicationView> {
  const record = await load(deps, tenantId, eventId, publicationId);
  const event = await loadEvent(deps, tenantId, eventId);
  const diff = await deps.publications.diff(tenantId, eventId, publicationId);
  if (record.approval) return redeliver(deps, event, { ...record, approval: record.approval }, diff);
  const sending = record.targets.filter((t) => t.supported && t.added + t.changed > 0);
  const approved: ApprovedRecord = {
    ...record,
    status: "approved",
    approval: {
      by,
      at: new Date(now(deps)).toISOString(),
      sent: sending.reduce((sum, t) => sum + t.added + t.changed, 0),
      jobs: sending.map((target) => publishJobId(record, target)),
    },
  };
  const outcome = await deps.publications.approve(approved);
  if (outcome === "stale") {
    throw new ConflictError(
      `another ${record.kind} publication of this event was approved after ${publicationId} was prepared; prepare a new one and read its diff`,
    );
  }
  if (outcome === "not-prepared") {
    // Approved meanwhile by another request: that approval stands, and is finished here too.
    const current = await load(deps, tenantId, eventId, publicationId);
    if (!current.approval)
      throw new ConflictError(`publication ${publicationId} changed meanwhile; read it again`);
    return redeliver(deps, event, { ...current, approval: current.approval }, diff);
  }
  await deliver(deps, event, approved, diff);
  await announce(deps, approved);
  return publicationView(approved);
}

type ApprovedRecord = PublicationRecord & { readonly approval: Approval };

/**
 * An approved publication asked again: its delivery is repeated only while it is still the last
 * approved of its kind — an older one's rows would undo what a later approval sent.
 */
async function redeliver(
  deps: PublicationDeps,
  event: RaceEventRecord,
  record: ApprovedRecord,
  diff: readonly StoredDiff[],
): Promise<PublicationView> {
  const head = await deps.publications.head(record.tenantId, record.eventId, record.kind);
  if (head === record.publicationId) await deliver(deps, event, record, diff);
  return publicationView(record);
}

async function deliver(
  deps: PublicationDeps,
  event: RaceEventRecord,
  record: ApprovedRecord,
  diff: readonly StoredDiff[],
): Promise<void> {
  const at = new Date(record.approval.at);
  for (const target of record.targets) {
    if (!target.supported) continue;
    const part = diff.find((d) => d.connectionId === target.connectionId && d.eventId === target.eventId);
    if (!part) continue;
    const scope = { tenantId: record.tenantId, provider: target.provider, jobId: record.publicationId };
    const rows: Entity[] = [
      ...part.added.map((row) => ({ id: row.id, result: row.result })),
      ...part.changed.map((row) => ({ id: row.id, result: row.after })),
    ].map(({ id, result }) => ({ type: RACE_ENTITY.publishedResults, id, data: { ...result } }));
    if (rows.length > 0) await deps.entities.upsert(scope, rows, at);
    // Withdrawn results leave Pacer's record of what was published; no provider documents a delete.
    if (part.removed.length > 0)
      await deps.entities.remove(
        scope,
        part.removed.map((row) => ({ type: RACE_ENTITY.publishedResults, id: row.id })),
      );
    if (rows.length > 0) await queuePublish(deps, event, record, target);
  }
}

async function queuePublish(
  deps: PublicationDeps,
  event: RaceEventRecord,
  record: ApprovedRecord,
  target: PublicationTarget,
): Promise<void> {
  const job = queuedJob(
    {
      jobId: publishJobId(record, target),
      tenantId: event.tenantId,
      connectionId: target.connectionId,
      provider: target.provider,
      syncType: PUBLISH_SYNC,
      priority: "normal",
      source: "manual",
      params: { eventId: target.eventId, kind: record.kind },
    },
    now(deps),
  );
  // Already created: an approval repeated; its message was sent then (or the sweep sends it).
  if (await deps.jobs.create(job)) await deps.queue.send(firstMessageOf(job));
}

/** One per publication and target: an approval repeated queues the same job again, not another. */
function publishJobId(record: PublicationRecord, target: PublicationTarget): string {
  const index = record.targets.indexOf(target);
  return `publish.${record.publicationId}.${index}`;
}

/** Whether the provider can receive results: it has a publish sync type. */
export function publishSyncOf(provider: Pick<ProviderDef, "syncTypes"> | undefined) {
  return provider?.syncTypes.find(
    (s) =>
      s.id === PUBLISH_SYNC && s.direction === "push" && s.entityTypes.includes(RACE_ENTITY.publishedResults),
  );
}

function targetOf(catalog: Catalog, diff: TargetDiff): PublicationTarget {
  const provider = catalog.providers.find((p) => p.id === diff.feed.provider);
  const supported = publishSyncOf(provider) !== undefined;
  return {
    connectionId: diff.feed.connectionId,
    provider: diff.feed.provider,
    eventId: diff.feed.eventId,
    supported,
    ...(supported
      ? {}
      : {
          reason: `${provider?.displayName ?? diff.feed.provider} documents no way to receive results: nothing is sent there`,
        }),
    rows: diff.rows,
    added: diff.added.length,
    changed: diff.changed.length,
    removed: diff.removed.length,
    unchanged: diff.unchanged,
  };
}

const storedDiffOf = (diff: TargetDiff): StoredDiff => ({
  connectionId: diff.feed.connectionId,
  provider: diff.feed.provider,
  eventId: diff.feed.eventId,
  added: diff.added,
  changed: diff.changed,
  removed: diff.removed,
});

/** Each feed provider's `published_results`, read once per provider. */
async function publishedBy(
  deps: PublicationDeps,
  tenantId: string,
  event: RaceEventRecord,
): Promise<Map<string, PublicationRow[]>> {
  const providers = [...new Set(event.registration.map((feed) => feed.provider))];
  const lists = await Promise.all(
    providers.map((provider) => deps.entities.reader(tenantId, provider).list(RACE_ENTITY.publishedResults)),
  );
  return new Map(
    providers.map((provider, index) => [
      provider,
      (lists[index] ?? []).map((entity) => ({ id: entity.id, result: entity.data as PublishedResult })),
    ]),
  );
}

/** The scoring store's links from a pushed participant to the entry it became (ChronoTrack's). */
const ENTRY_LINKS = "entryLinks";

function entryLinkOf(entity: Entity, scoringEventId: string): EntryLink[] {
  const { participantId, entryId, eventId } = entity.data;
  return typeof participantId === "string" && typeof entryId === "string" && eventId === scoringEventId
    ? [{ participantId, entryId }]
    : [];
}

/** The publication as an entity of the event: watchers of `events/<id>/publications` see it change. */
async function announce(deps: PublicationDeps, record: PublicationRecord): Promise<void> {
  const scope = {
    tenantId: record.tenantId,
    provider: eventNamespace(record.eventId),
    jobId: record.publicationId,
  };
  const view = publicationView(record);
  await deps.entities.upsert(
    scope,
    [{ type: "publications", id: record.publicationId, data: { ...view } }],
    new Date(now(deps)),
  );
}

/** What a caller sees, field by field (nothing internal, the tenant least of all). */
export function publicationView(record: PublicationRecord, diff?: readonly StoredDiff[]): PublicationView {
  return {
    publicationId: record.publicationId,
    eventId: record.eventId,
    kind: record.kind,
    status: record.status,
    preparedAt: record.preparedAt,
    preparedBy: record.preparedBy,
    basedOn: record.basedOn ?? null,
    results: record.results,
    matched: record.matched,
    unmatched: record.unmatched,
    targets: record.targets.map((t) => ({ ...t })),
    approval: record.approval ? { ...record.approval, jobs: [...record.approval.jobs] } : null,
    ...(diff === undefined
      ? {}
      : {
          diff: diff.map((part) => ({
            connectionId: part.connectionId,
            eventId: part.eventId,
            added: part.added.map((row) => ({ ...row.result })),
            changed: part.changed.map((row) => ({ before: { ...row.before }, after: { ...row.after } })),
            removed: part.removed.map((row) => ({ ...row.result })),
          })),
        }),
  };
}

async function loadEvent(
  deps: Pick<PublicationDeps, "events">,
  tenantId: string,
  eventId: string,
): Promise<RaceEventRecord> {
  const event = await deps.events.get(tenantId, eventId);
  if (!event || event.tenantId !== tenantId) throw new NotFoundError(`event ${eventId} not found`);
  return event;
}

async function load(
  deps: PublicationDeps,
  tenantId: string,
  eventId: string,
  publicationId: string,
): Promise<PublicationRecord> {
  const record = await deps.publications.get(tenantId, eventId, publicationId);
  if (!record || record.tenantId !== tenantId || record.eventId !== eventId)
    throw new NotFoundError(`publication ${publicationId} of event ${eventId} not found`);
  return record;
}

const now = (deps: Pick<PublicationDeps, "clock">) => (deps.clock ?? Date.now)();
