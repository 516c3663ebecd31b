import type { ProviderDef } from "#catalog/types.ts";
import { RACE_ENTITY } from "#providers/race/shapes.ts";
import { type DataReadDeps, type RefreshSubject, refreshSubject } from "../data-reads.ts";
import { validateSyncParams } from "../sync-params.ts";
import { isRetired } from "./cadence.ts";
import type { PageRefresh } from "./schemas.ts";
import {
  type RaceEventRecord,
  type RegistrationFeed,
  registrantSyncTypes,
  resultsParamsOf,
  SCORING_RESULTS_SYNC,
  type ScoringTarget,
} from "./types.ts";

/**
 * A read of a race page refreshes what it shows, as a read of synced data does
 * (../data-reads.ts): each sync feeding the page whose data is older than its freshness target is
 * queued (source `read`, priority high, deduplicated) through the feed's own connection, so the
 * first visitor of the page gets fresh data moments later without waiting for a provider. The
 * participants page is fed by each registration feed's participants sync, the results page by
 * the scoring target's results sync. Everything is the event's tenant's, who is the caller.
 */

/** The refreshes a read of the event's participants queued or merged into, one per stale feed. */
export async function refreshParticipantsPage(
  deps: DataReadDeps,
  event: RaceEventRecord,
): Promise<PageRefresh[]> {
  const subjects = await Promise.all(event.registration.map((feed) => feedSubjects(deps, event, feed)));
  return refreshAll(deps, event.tenantId, subjects.flat());
}

/**
 * The refresh a read of the event's results queued or merged into. None before the event starts
 * or once it is retired: the race clock pulls no results then either (./cadence.ts), as there are
 * none yet or they are final.
 */
export async function refreshResultsPage(deps: DataReadDeps, event: RaceEventRecord): Promise<PageRefresh[]> {
  const target = event.scoring;
  const now = (deps.clock ?? Date.now)();
  const startsAt = Date.parse(event.startsAt);
  const endsAt = event.endsAt === undefined ? undefined : Date.parse(event.endsAt);
  const times = endsAt === undefined ? { startsAt } : { startsAt, endsAt };
  if (target === undefined || now < startsAt || isRetired(times, now)) return [];
  const subject = resultsSubject(deps, target);
  return subject === undefined ? [] : refreshAll(deps, event.tenantId, [subject]);
}

/** One sync to refresh, and the connection that feeds the page with it. */
interface FeedSubject extends RefreshSubject {
  readonly connectionId: string;
}

/**
 * The feed's registrant syncs, each with the params its sync type declares for one feed
 * (`feedParams`: the feed's event, or the race it belongs to as the provider's events sync stored
 * it). A run without params reads every stored event, the feed's among them, so it covers the
 * feed. One that declares none is refreshed by such a run, if it allows one; one whose params
 * cannot be filled (the race is not known: the event is not stored yet, and a run reads only
 * stored events) is not refreshed.
 */
async function feedSubjects(
  deps: DataReadDeps,
  event: RaceEventRecord,
  feed: RegistrationFeed,
): Promise<FeedSubject[]> {
  const provider = providerOf(deps, feed.provider);
  if (provider === undefined) return [];
  const writers = registrantSyncTypes(provider);
  const syncTypes = provider.syncTypes.filter((s) => s.direction === "pull" && writers.has(s.id));
  if (syncTypes.length === 0) return [];
  const stored = syncTypes.some((s) => s.feedParams !== undefined)
    ? await deps.entities.reader(event.tenantId, provider.id).get(RACE_ENTITY.events, feed.eventId)
    : undefined;
  const ids = {
    eventId: feed.eventId,
    raceId: typeof stored?.data.raceId === "string" ? stored.data.raceId : undefined,
  };
  return syncTypes.flatMap((syncType) => {
    const coveredBy = validateSyncParams(syncType, {}).ok ? [{}] : [];
    const wanted = fill(syncType.feedParams ?? {}, ids);
    const params = wanted === undefined ? undefined : validateSyncParams(syncType, wanted);
    return params?.ok
      ? [{ connectionId: feed.connectionId, provider, syncType, params: params.params, coveredBy }]
      : [];
  });
}

/** The declared params with the feed's ids; undefined when one of them is not known. */
function fill(
  declared: Readonly<Record<string, "eventId" | "raceId">>,
  ids: Readonly<Record<"eventId" | "raceId", string | undefined>>,
): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [param, field] of Object.entries(declared)) {
    const value = ids[field];
    if (value === undefined) return undefined;
    params[param] = value;
  }
  return params;
}

/** The scoring target's results sync with the params the race clock pulls them with. */
function resultsSubject(deps: DataReadDeps, target: ScoringTarget): FeedSubject | undefined {
  const provider = providerOf(deps, target.provider);
  const syncType = provider?.syncTypes.find((s) => s.id === SCORING_RESULTS_SYNC);
  if (provider === undefined || syncType === undefined || syncType.direction !== "pull") return undefined;
  const params = validateSyncParams(syncType, resultsParamsOf(target));
  return params.ok
    ? { connectionId: target.connectionId, provider, syncType, params: params.params }
    : undefined;
}

/**
 * Each subject through its own connection (the tenant's: one it no longer has refreshes nothing).
 * A subject whose refresh fails is reported and left out: the page is answered regardless.
 */
async function refreshAll(
  deps: DataReadDeps,
  tenantId: string,
  subjects: readonly FeedSubject[],
): Promise<PageRefresh[]> {
  if (subjects.length === 0) return [];
  const connections = await deps.connections.list(tenantId);
  const refreshed = await Promise.all(
    subjects.map(async (subject): Promise<PageRefresh | undefined> => {
      const own = connections.filter((c) => c.connectionId === subject.connectionId);
      if (own.length === 0) return undefined;
      try {
        const lookup = deps.entities.reader(tenantId, subject.provider.id);
        const { refresh } = await refreshSubject(deps, tenantId, own, subject, lookup);
        return refresh === null
          ? undefined
          : { provider: subject.provider.id, syncType: subject.syncType.id, jobId: refresh.jobId };
      } catch (error) {
        deps.onRefreshFailed?.(error);
        return undefined;
      }
    }),
  );
  // Two feeds of one connection can merge into the one run that covers both: name it once.
  const byJob = new Map<string, PageRefresh>();
  for (const entry of refreshed) if (entry !== undefined) byJob.set(entry.jobId, entry);
  return [...byJob.values()];
}

function providerOf(deps: DataReadDeps, id: string): ProviderDef | undefined {
  return deps.catalog.providers.find((p) => p.id === id);
}
