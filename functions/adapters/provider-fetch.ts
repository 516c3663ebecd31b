import { ProviderRateLimitedError, ProviderUnavailableError } from "#core/errors.ts";
import type { HeldPermits } from "#core/limiter/take-permit.ts";
import { retryAfterMs } from "#core/retry-after.ts";
import type { ProviderFetch, ProviderRequest } from "#providers/types.ts";

export interface ProviderFetchOptions {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  /** Permits taken up front for this run's limited calls, and the moment they must be used by. */
  readonly prepaid: HeldPermits;
  /**
   * Takes one more permit, for a limited call beyond the prepaid ones or after they lapsed; resolves
   * when the call may be sent, and throws when no permit is free soon enough.
   */
  readonly acquireExtra: () => Promise<void>;
  /** The provider said stop: every worker must pause until `untilMs`. */
  readonly onThrottled: (untilMs: number) => Promise<void>;
  readonly onResponse: (latencyMs: number, status: number) => void;
  /** The longest pause a provider may impose; longer ones are cut to this and reported. */
  readonly maxPauseMs?: number;
  readonly onPauseCapped?: (askedMs: number) => void;
  readonly clock?: () => number;
  readonly fetchImpl?: typeof fetch;
}

/** When a 429 comes without any hint of how long to wait. */
const DEFAULT_THROTTLE_MS = 1_000;

/**
 * The HTTP client provider modules get: base URL (with its override), timeout, latency, and a
 * 429 or an exhausted-budget header turned into a shared pause plus ProviderRateLimitedError.
 */
export function createProviderFetch(options: ProviderFetchOptions): ProviderFetch {
  const clock = options.clock ?? Date.now;
  const doFetch = options.fetchImpl ?? fetch;
  let prepaid = options.prepaid.count;
  const capped = (ms: number | undefined) => {
    if (ms === undefined || options.maxPauseMs === undefined || ms <= options.maxPauseMs) return ms;
    options.onPauseCapped?.(ms);
    return options.maxPauseMs;
  };
  return async (request: ProviderRequest) => {
    if (request.limited !== false) {
      // A permit is a promise about when the call reaches the provider: one used late (a slow token
      // request, a busy event loop) could land too close to a later permit's call. Lapsed: take another.
      if (prepaid > 0 && clock() <= options.prepaid.usableUntil) prepaid--;
      else {
        prepaid = 0;
        await options.acquireExtra();
      }
    }
    const url = `${options.baseUrl.replace(/\/+$/, "")}${request.path}${request.query ? `?${request.query}` : ""}`;
    const started = clock();
    let response: Response;
    try {
      response = await doFetch(url, {
        method: request.method ?? "GET",
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (cause) {
      options.onResponse(clock() - started, 0);
      throw new ProviderUnavailableError(`${request.method ?? "GET"} ${request.path}: ${describe(cause)}`, {
        cause,
      });
    }
    options.onResponse(clock() - started, response.status);
    const now = clock();
    const wait = capped(retryAfterMs(response.headers, now));
    if (response.status === 429) {
      await response.body?.cancel();
      const ms = wait ?? DEFAULT_THROTTLE_MS;
      await options.onThrottled(now + ms);
      throw new ProviderRateLimitedError(ms, `${request.path}: provider answered 429; waiting ${ms} ms`);
    }
    // The budget is spent even though this call got through: pause everyone before the next one.
    if (wait !== undefined && wait > 0) await options.onThrottled(now + wait);
    return response;
  };
}

function describe(cause: unknown): string {
  if (cause instanceof Error) return cause.name === "TimeoutError" ? "timed out" : cause.message;
  return String(cause);
}
