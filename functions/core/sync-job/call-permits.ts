import { limitsForGroup, matchEndpoint } from "#catalog/index.ts";
import type { LimitDef, Priority, ProviderDef } from "#catalog/types.ts";
import type { ProviderRequest } from "#providers/types.ts";
import { PermitUnavailableError, UncataloguedEndpointError } from "../errors.ts";
import { defaultPolicy } from "../limiter/sliding-log.ts";
import { type HeldPermits, takePermit } from "../limiter/take-permit.ts";
import type { Limiter } from "../limiter/types.ts";

/**
 * Every provider call takes its own permit, from the limits of the endpoint group it hits, at the
 * moment it is sent: the group a request names, or the one whose endpoint templates its method
 * and path match. A call that matches none is refused unsent — the definition must cover every
 * path its module calls.
 *
 * Where a run expects several calls on one group (its sync type's `calls`) and the group's limits
 * allow them at once, the first call takes them all in one write; the calls that follow within
 * the permits' validity (calls sent together) spend them, and what lapses unused is handed back
 * in the next write, so it costs the budget nothing.
 */
export interface CallPermits {
  /**
   * Resolves when the call may be sent now. Throws PermitUnavailableError (with when one frees)
   * when no permit is free within the in-process wait, UncataloguedEndpointError for a request
   * outside the catalog.
   */
  take(request: ProviderRequest): Promise<void>;
  /** The provider said stop (a 429, a spent budget): no worker calls this request's group until `untilMs`. */
  pause(request: ProviderRequest, untilMs: number): Promise<void>;
  /**
   * How long to pause after a 429 without a `Retry-After`, as the provider's definition says
   * (`pauseOn429`); undefined: the default.
   */
  pauseOn429Ms(request: ProviderRequest): number | undefined;
}

export interface CallPermitsOptions {
  readonly provider: ProviderDef;
  /** The connection's tier: it picks each limit's number. */
  readonly tier: string;
  /** The scope of `tenant`-scoped limits: the connection's credential budget. */
  readonly budgetKey: string;
  readonly priority: Priority;
  readonly limiter: Pick<Limiter, "acquire" | "confirm" | "pause">;
  /** The longest in-process wait for a permit; a longer one defers the job. */
  readonly maxWaitMs: number;
  readonly clock?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly onVoided?: () => void;
  /** One permit granted or refused for a call to `group` (metrics). */
  readonly onDecision?: (group: string, granted: boolean) => void;
  /** The calls the run is expected to make per endpoint group (the sync type's `calls`). @default one each */
  readonly expectedCalls?: Readonly<Record<string, number>>;
}

/** Most permits taken ahead in one write. */
const MAX_AHEAD = 10;
/**
 * Only under limits this short: a permit taken ahead for a call that never comes (a run that
 * expected more calls than it made) is spent budget until its window slides past.
 */
const MAX_AHEAD_WINDOW_MS = 60_000;

/**
 * How many of a run's remaining calls on a group one write may take: as many as every limit
 * grants normal work at once (all but its reserve), at most MAX_AHEAD, at least one.
 */
function aheadFor(limits: readonly LimitDef[], remaining: number): number {
  if (limits.some((l) => l.perMs > MAX_AHEAD_WINDOW_MS)) return 1;
  const room = Math.min(...limits.map((l) => l.calls - defaultPolicy.reserve(l)));
  return Math.max(1, Math.min(remaining, room, MAX_AHEAD));
}

export function callPermits(options: CallPermitsOptions): CallPermits {
  const { provider } = options;
  const clock = options.clock ?? Date.now;
  const limitsByGroup = new Map<string, LimitDef[]>();
  /** Per group: calls still expected, and permits taken ahead and not yet spent. */
  const remaining = new Map<string, number>(Object.entries(options.expectedCalls ?? {}));
  const held = new Map<string, HeldPermits>();
  /** Per group, the take in flight: calls sent together take their permits one after another. */
  const inFlight = new Map<string, Promise<unknown>>();

  const scopeOf = (request: ProviderRequest) => {
    const method = request.method ?? "GET";
    const group = request.endpoint ?? matchEndpoint(provider, method, request.path, request.host);
    if (group === undefined || !provider.endpointGroups.some((g) => g.id === group)) {
      throw new UncataloguedEndpointError(
        request.endpoint === undefined
          ? `${method} ${request.path} matches no endpoint of ${provider.id}'s catalog definition`
          : `${provider.id} has no endpoint group "${request.endpoint}"`,
      );
    }
    let limits = limitsByGroup.get(group);
    if (limits === undefined) {
      limits = limitsForGroup(provider, group, options.tier);
      limitsByGroup.set(group, limits);
    }
    return { group, scope: { provider: provider.id, limits, scopeKey: options.budgetKey } };
  };

  const takeOne = async ({ group, scope }: ReturnType<typeof scopeOf>): Promise<void> => {
    const left = remaining.get(group) ?? 1;
    remaining.set(group, Math.max(1, left - 1));
    const stock = held.get(group);
    if (stock !== undefined && stock.count > 0 && clock() <= stock.usableUntil) {
      held.set(group, { ...stock, count: stock.count - 1 });
      options.onDecision?.(group, true);
      return;
    }
    held.delete(group);
    const permits = aheadFor(scope.limits, left);
    const permit = await takePermit(
      options.limiter,
      { ...scope, permits, priority: options.priority },
      {
        maxWaitMs: options.maxWaitMs,
        clock,
        ...(options.sleep ? { sleep: options.sleep } : {}),
        ...(options.random ? { random: options.random } : {}),
        ...(options.onVoided ? { onVoided: options.onVoided } : {}),
        // Permits taken ahead that lapsed unused go back in this same write.
        ...(stock !== undefined && stock.count > 0
          ? { release: { at: stock.at, permits: stock.count } }
          : {}),
      },
    );
    options.onDecision?.(group, permit.granted);
    if (!permit.granted) throw new PermitUnavailableError(permit.retryAfterMs);
    if (permit.count > 1) held.set(group, { ...permit, count: permit.count - 1 });
  };

  return {
    async take(request) {
      const resolved = scopeOf(request);
      const { group } = resolved;
      const mine = (inFlight.get(group) ?? Promise.resolve())
        .catch(() => undefined)
        .then(() => takeOne(resolved));
      inFlight.set(group, mine);
      try {
        await mine;
      } finally {
        if (inFlight.get(group) === mine) inFlight.delete(group);
      }
    },
    async pause(request, untilMs) {
      await options.limiter.pause(scopeOf(request).scope, untilMs);
    },
    pauseOn429Ms(request) {
      const rule = provider.pauseOn429;
      if (rule === undefined || typeof rule === "number") return rule;
      return Math.max(...scopeOf(request).scope.limits.map((limit) => limit.perMs));
    },
  };
}
