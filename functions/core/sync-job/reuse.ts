import { freshnessTargetMs, limitsForGroup, matchEndpoint } from "#catalog/index.ts";
import type { ProviderDef, SyncTypeDef } from "#catalog/types.ts";
import type { ProviderRequest } from "#providers/types.ts";
import type { ConnectionRecord } from "../connections/types.ts";
import type { JobMessage } from "../job.ts";
import { METRIC } from "../metric-names.ts";
import { firstQueuedAt } from "./timing.ts";
import type { FetchLeg, Run } from "./types.ts";

/**
 * How old a provider answer a leg may reuse instead of calling (see adapters/response-reuse.ts).
 * The cache is keyed by tenant and credential budget, so this only decides *how old*:
 *
 * - an answer fetched since the job was triggered (it fired, or was queued) is always good: it is
 *   at least as fresh as a call at the trigger would have been;
 * - a one-off trigger (a read, a connection's first run or its recovery) takes an answer within
 *   the sync's freshness target — that is what the target promises a reader;
 * - a manual trigger, within the target and within one window of the limits the call spends: N
 *   triggers in one window cost one call, and a trigger after the window sees the provider anew;
 * - a scheduled run refreshes on a cadence, so it takes an answer only as old as keeps the data
 *   within target until its next run (target − cadence: none when the target is the cadence);
 * - a fan-out child, none older than its trigger: its parent's cadence is what keeps it fresh.
 */
export interface ReusePolicy {
  /** Answers of this age (ms) or younger may stand in for `request`; 0: call. */
  maxAgeMs(request: ProviderRequest): number;
}

/**
 * The leg's reuse policy, or undefined when it must see the provider itself: a push (it writes),
 * and a sync type whose freshness target is 0.
 */
export function reusePolicy(
  provider: ProviderDef,
  syncType: SyncTypeDef,
  message: Pick<JobMessage, "source" | "enqueuedAt" | "scheduledAt">,
  tier: string,
  now: number,
  targetMs: number = freshnessTargetMs(syncType),
): ReusePolicy | undefined {
  if (syncType.direction === "push" || targetMs <= 0) return undefined;
  const sinceTrigger = Math.max(0, now - firstQueuedAt(message as JobMessage, now));
  const window = (request: ProviderRequest) => longestWindowMs(provider, request, tier);
  const base = (request: ProviderRequest): number => {
    switch (message.source) {
      case "read":
      case "initial":
      case "recovery":
        return targetMs;
      case "manual":
        return Math.min(targetMs, window(request));
      case "schedule":
        return Math.max(0, targetMs - cadenceMs(syncType));
      case "fanout":
        return 0;
    }
  };
  return { maxAgeMs: (request) => Math.max(sinceTrigger, base(request)) };
}

function cadenceMs(syncType: SyncTypeDef): number {
  const cadence = syncType.cadence;
  if (cadence.kind === "rate") return cadence.everyMs;
  if (cadence.kind === "cron") return cadence.approxEveryMs;
  return 0;
}

/** The longest window of the limits the request spends (0: it spends none, or matches no group). */
function longestWindowMs(provider: ProviderDef, request: ProviderRequest, tier: string): number {
  const group =
    request.endpoint ?? matchEndpoint(provider, request.method ?? "GET", request.path, request.host);
  if (group === undefined || !provider.endpointGroups.some((g) => g.id === group)) return 0;
  return Math.max(0, ...limitsForGroup(provider, group, tier).map((limit) => limit.perMs));
}

const MAX_KEEP_MS = 24 * 60 * 60_000;

/**
 * The leg's client context: reuse of this tenant's credential's recent answers, when allowed.
 * New answers are kept only once the page they fed is stored (`keepFetched`): an answer the module
 * could not use (a truncated body, a row it refused) never reaches another run.
 */
export function fetchLeg(
  run: Pick<Run, "deps" | "message" | "syncType" | "job" | "startedAt">,
  connection: Pick<ConnectionRecord, "tier" | "budgetKey">,
  targetMs: number = freshnessTargetMs(run.syncType),
): {
  readonly leg: FetchLeg;
  keepFetched(): Promise<void>;
  /** When the oldest answer the leg reused was fetched (epoch ms); undefined: it reused none. */
  oldestReused(): number | undefined;
} {
  const { deps, message, syncType, job } = run;
  const policy = reusePolicy(deps.provider, syncType, message, connection.tier, run.startedAt, targetMs);
  if (policy === undefined) return { leg: {}, keepFetched: async () => {}, oldestReused: () => undefined };
  const fetched: (() => Promise<void>)[] = [];
  let oldest: number | undefined;
  return {
    leg: {
      reuse: {
        tenantId: message.tenantId,
        budgetKey: connection.budgetKey,
        maxAgeMs: policy.maxAgeMs,
        // Final data (an infinite target) is kept a day: long enough for its readers, and a TTL.
        keepMs: Math.min(targetMs, MAX_KEEP_MS),
        keepLater: (write) => fetched.push(write),
        onReuse: (fetchedAt) => {
          oldest = Math.min(oldest ?? fetchedAt, fetchedAt);
          deps.metrics.count(METRIC.responseReused);
        },
        onCacheError: (error) =>
          deps.log?.error("the response cache failed; the provider was called instead", {
            jobId: job.jobId,
            error,
          }),
      },
    },
    // Each write reports its own failure (onCacheError): a cache that fails costs reuse, not the run.
    keepFetched: async () => {
      await Promise.all(fetched.splice(0).map((write) => write()));
    },
    oldestReused: () => oldest,
  };
}
