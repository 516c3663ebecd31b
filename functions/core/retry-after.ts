/**
 * How long a provider asked us to wait, from its response headers: `Retry-After` as seconds or as
 * an HTTP date, or `X-RateLimit-Remaining: 0` / `RateLimit-Remaining: 0` with a reset given as
 * seconds from now or as an epoch timestamp. undefined when the headers say nothing.
 */
export function retryAfterMs(headers: Headers, now: number): number | undefined {
  const retryAfter = headers.get("retry-after")?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.ceil(Number(retryAfter) * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const remaining = headers.get("x-ratelimit-remaining") ?? headers.get("ratelimit-remaining");
  const reset = headers.get("x-ratelimit-reset") ?? headers.get("ratelimit-reset");
  if (remaining !== null && Number(remaining) <= 0 && reset !== null && /^\d+(\.\d+)?$/.test(reset.trim())) {
    const value = Number(reset);
    // Above ~2001-09-09 in epoch seconds it is a timestamp; below it, seconds from now.
    if (value > 1e12) return Math.max(0, value - now);
    if (value > 1e9) return Math.max(0, value * 1000 - now);
    return Math.ceil(value * 1000);
  }
  return undefined;
}

/** Spreads retries so that workers refused together do not all come back in the same instant. */
export function withJitter(ms: number, random: () => number = Math.random): number {
  return Math.ceil(ms + Math.min(1000, ms * 0.1 + 50) * random());
}
