import {
  InvocationEndingError,
  ProviderRateLimitedError,
  ProviderRedirectError,
  ProviderUnavailableError,
  UncataloguedEndpointError,
} from "#core/errors.ts";
import { retryAfterMs } from "#core/retry-after.ts";
import type { CallPermits } from "#core/sync-job/call-permits.ts";
import type { ProviderFetch, ProviderRequest } from "#providers/types.ts";
import { keep, type ResponseReuse, responseKey, reusable, reused } from "./response-reuse.ts";

/** Why a redirect was not followed; few values, so it can label a metric. */
export type RedirectRefusal =
  | "host-not-allowed"
  | "scheme-not-allowed"
  | "loop"
  | "too-many-redirects"
  | "no-location";

export interface ProviderFetchOptions {
  readonly baseUrl: string;
  /**
   * The base URLs of the provider's other named hosts (an OAuth server, say), for requests that
   * name one in `host`. A redirect may lead to any of them. @default none
   */
  readonly hosts?: Readonly<Record<string, string>>;
  /** Covers one call from sending to the last byte of its body; each redirect hop gets its own. */
  readonly timeoutMs: number;
  /**
   * When the invocation making the calls ends (epoch ms): calls are cut to it, and none starts in
   * its last second (InvocationEndingError). @default no deadline
   */
  readonly deadline?: number;
  /**
   * Each limited call (and each redirect hop) takes its permit here as it is sent; the provider's
   * "stop" (a 429, a spent budget) pauses every worker's calls to that endpoint group.
   */
  readonly permits: CallPermits;
  /** Once per call sent, redirect hops included; status 0 when no answer came. */
  readonly onResponse: (latencyMs: number, status: number) => void;
  /** The longest pause a provider may impose; longer ones are cut to this and reported. */
  readonly maxPauseMs?: number;
  readonly onPauseCapped?: (askedMs: number) => void;
  /**
   * Hosts (`name` or `name:port`) a redirect may lead to besides the base URL's own origin.
   * @default none
   */
  readonly redirectHosts?: readonly string[];
  /** Redirect hops followed per request; each is a call of its own, with its own permit. @default 3 */
  readonly maxRedirects?: number;
  /** A redirect was not followed; the request then fails with ProviderRedirectError. */
  readonly onRedirectRefused?: (reason: RedirectRefusal, message: string) => void;
  /**
   * Reuse of the provider's recent answers (response-reuse.ts): a read answered within the
   * allowed age costs no permit and no call, and each 200 answer to a read is kept for others.
   * @default none: every request is sent
   */
  readonly reuse?: ResponseReuse;
  readonly clock?: () => number;
  readonly fetchImpl?: typeof fetch;
}

/** A provider call is not started with less of its invocation left than this. */
const MIN_CALL_TIME_MS = 1_000;

/** When a 429 comes without any hint of how long to wait. */
const DEFAULT_THROTTLE_MS = 1_000;
const DEFAULT_MAX_REDIRECTS = 3;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Statuses whose Response may not carry a body. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
/** Headers that describe a request body, dropped when a redirect turns the request into a GET. */
const BODY_HEADERS = new Set(["content-type", "content-length", "content-encoding", "content-language"]);
/** Headers that identify the caller, never sent on to another origin. */
const CREDENTIAL_HEADERS = new Set(["authorization", "cookie", "proxy-authorization"]);

interface Hop {
  /** What is sent: the first hop keeps the module's raw query untouched. */
  readonly href: string;
  readonly url: URL;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

/**
 * The HTTP client provider modules get: base URL (with its override), timeout, latency, and a
 * 429 or an exhausted-budget header turned into a shared pause plus ProviderRateLimitedError.
 * Redirects are never followed silently: a hop to the provider's origin or an allowed host is a
 * new call that takes its own permit; anything else fails with ProviderRedirectError.
 */
export function createProviderFetch(options: ProviderFetchOptions): ProviderFetch {
  const clock = options.clock ?? Date.now;
  const doFetch = options.fetchImpl ?? fetch;
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const hostUrls = new Map(
    Object.entries(options.hosts ?? {}).map(([name, url]) => [name, url.replace(/\/+$/, "")]),
  );
  /** The provider's own origins: its base URL's and its named hosts'. */
  const ownOrigins = new Set([baseUrl, ...hostUrls.values()].flatMap((url) => URL.parse(url)?.origin ?? []));
  const allowedHosts = new Set(
    (options.redirectHosts ?? []).map((host) => host.trim().toLowerCase()).filter((host) => host !== ""),
  );
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;

  const capped = (ms: number | undefined) => {
    if (ms === undefined || options.maxPauseMs === undefined || ms <= options.maxPauseMs) return ms;
    options.onPauseCapped?.(ms);
    return options.maxPauseMs;
  };

  const send = async (request: ProviderRequest, hop: Hop, label: string) => {
    // A call may not outlive its invocation: Lambda freezes a timed-out sandbox mid-call, and a
    // call started that late would land after the job was handed to another invocation.
    const left = options.deadline === undefined ? Number.POSITIVE_INFINITY : options.deadline - clock();
    if (left < MIN_CALL_TIME_MS) {
      throw new InvocationEndingError(`${label}: ${Math.max(0, left)} ms left in this invocation`);
    }
    const signal = AbortSignal.timeout(Math.min(options.timeoutMs, left));
    const started = clock();
    let response: Response;
    try {
      response = await doFetch(hop.href, {
        method: hop.method,
        headers: hop.headers,
        body: hop.body,
        redirect: "manual",
        signal,
      });
    } catch (cause) {
      options.onResponse(clock() - started, 0);
      throw new ProviderUnavailableError(`${label}: ${describe(cause)}`, { cause });
    }
    options.onResponse(clock() - started, response.status);
    const now = clock();
    const wait = capped(retryAfterMs(response.headers, now));
    if (response.status === 429) {
      await discard(response);
      // No hint: the provider's own rule (wait out the window), else a short pause.
      const ms = wait ?? options.permits.pauseOn429Ms(request) ?? DEFAULT_THROTTLE_MS;
      await options.permits.pause(request, now + ms);
      throw new ProviderRateLimitedError(ms, `${label}: provider answered 429; waiting ${ms} ms`);
    }
    // The budget is spent even though this call got through: pause everyone before the next one.
    if (wait !== undefined && wait > 0) await options.permits.pause(request, now + wait);
    return { response, signal };
  };

  const refuse = (reason: RedirectRefusal, message: string, target?: URL): never => {
    options.onRedirectRefused?.(reason, message);
    // Only origin and path: a redirect's query may carry a signature or a token.
    throw new ProviderRedirectError(message, target && `${target.origin}${target.pathname}`);
  };

  const nextHop = (hop: Hop, response: Response, label: string, seen: Set<string>): Hop => {
    const location = response.headers.get("location");
    const target = location ? URL.parse(location, hop.url.href) : null;
    if (target === null) {
      return refuse(
        "no-location",
        `${label}: the provider answered ${response.status} without a usable Location`,
      );
    }
    const sameOrigin = ownOrigins.has(target.origin);
    if (!sameOrigin && !allowedHosts.has(target.host) && !allowedHosts.has(target.hostname)) {
      return refuse(
        "host-not-allowed",
        `${label}: the provider redirected to ${target.host || target.protocol}, which is neither its own host nor on its redirect allow-list`,
        target,
      );
    }
    if (!sameOrigin && !safeScheme(hop.url, target)) {
      return refuse(
        "scheme-not-allowed",
        `${label}: the provider redirected from ${hop.url.protocol} to ${target.protocol}//${target.host}`,
        target,
      );
    }
    target.hash = "";
    if (seen.has(target.href)) {
      return refuse(
        "loop",
        `${label}: the provider redirected in a loop, back to ${target.host}${target.pathname}`,
        target,
      );
    }
    if (seen.size > maxRedirects) {
      return refuse(
        "too-many-redirects",
        `${label}: the provider redirected more than ${maxRedirects} times`,
        target,
      );
    }
    seen.add(target.href);
    const toGet =
      response.status === 303 ||
      ((response.status === 301 || response.status === 302) && hop.method === "POST");
    const crossOrigin = target.origin !== hop.url.origin;
    const headers = Object.fromEntries(
      Object.entries(hop.headers).filter(([name]) => {
        const lower = name.toLowerCase();
        return !(toGet && BODY_HEADERS.has(lower)) && !(crossOrigin && CREDENTIAL_HEADERS.has(lower));
      }),
    );
    return {
      href: target.href,
      url: target,
      method: toGet ? "GET" : hop.method,
      headers,
      body: toGet ? undefined : hop.body,
    };
  };

  return async (request: ProviderRequest) => {
    const label = `${request.method ?? "GET"} ${request.host === undefined ? "" : `${request.host}:`}${request.path}`;
    const base = request.host === undefined ? baseUrl : hostUrls.get(request.host);
    if (base === undefined) {
      throw new UncataloguedEndpointError(
        `${label}: the provider's definition names no host "${request.host}"`,
      );
    }
    const href = `${base}${request.path}${request.query ? `?${request.query}` : ""}`;
    const url = URL.parse(href);
    if (url === null) throw new ProviderUnavailableError(`${label}: the base URL and path form no valid URL`);
    let hop: Hop = {
      href,
      url,
      method: request.method ?? "GET",
      headers: request.headers ?? {},
      body: request.body,
    };
    const reuse = options.reuse !== undefined && reusable(request) ? options.reuse : undefined;
    const key = reuse && responseKey(reuse, request, href);
    if (reuse && key) {
      const kept = await reused(reuse, key, reuse.maxAgeMs(request), clock());
      if (kept !== undefined) return kept;
    }
    const seen = new Set([hop.url.href]);
    for (let hops = 0; ; hops++) {
      // A hop is a call the provider counts like any other, whatever the first request was; it
      // spends the first request's endpoint group.
      if (hops > 0 || request.limited !== false) await options.permits.take(request);
      const { response, signal } = await send(
        request,
        hop,
        hops === 0 ? label : `${label} (redirect ${hops})`,
      );
      if (!REDIRECT_STATUSES.has(response.status)) {
        const answer = withBodyDeadline(response, signal);
        return reuse && key && answer.status === 200 ? keep(reuse, key, answer, clock(), label) : answer;
      }
      await discard(response);
      hop = nextHop(hop, response, label, seen);
    }
  };
}

/**
 * Makes the call's timeout cover reading its body too, whatever fetch implementation is below:
 * a provider that sends its headers and then stalls must not hold the worker past the timeout.
 */
function withBodyDeadline(response: Response, signal: AbortSignal): Response {
  const source = response.body;
  if (source === null || NULL_BODY_STATUSES.has(response.status)) return response;
  const reader = source.getReader();
  const deadline = new Promise<never>((_, reject) => {
    const expire = () => {
      reject(signal.reason);
      // Frees the connection even when nobody reads the body.
      reader.cancel(signal.reason).catch(() => {});
    };
    if (signal.aborted) expire();
    else signal.addEventListener("abort", expire, { once: true });
  });
  // Observed by pull(); a body that is never read must not become an unhandled rejection.
  deadline.catch(() => {});
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = await Promise.race([reader.read(), deadline]);
      if (chunk.done) controller.close();
      else controller.enqueue(chunk.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/** Plain HTTP(S) only, and never from https down to http, where anyone on the path could read it. */
function safeScheme(from: URL, to: URL): boolean {
  if (to.protocol === "https:") return true;
  return to.protocol === "http:" && from.protocol === "http:";
}

async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => {});
}

function describe(cause: unknown): string {
  if (cause instanceof Error) return cause.name === "TimeoutError" ? "timed out" : cause.message;
  return String(cause);
}
