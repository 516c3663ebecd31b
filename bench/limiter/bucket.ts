/**
 * The arithmetic of a classic token bucket: `capacity` tokens, refilled continuously at
 * `capacity / perMs` tokens per millisecond, never above `capacity`. Pure; the clock is passed in.
 */
export interface Bucket {
  readonly tokens: number;
  /** Epoch ms at which `tokens` was true. */
  readonly updatedAt: number;
}

export interface BucketShape {
  readonly capacity: number;
  readonly perMs: number;
}

/** The bucket as it stands at `now`. A missing bucket starts full; a clock that steps back adds nothing. */
export function refill(bucket: Bucket | undefined, shape: BucketShape, now: number): Bucket {
  if (bucket === undefined) return { tokens: shape.capacity, updatedAt: now };
  const elapsed = Math.max(0, now - bucket.updatedAt);
  const tokens = Math.min(shape.capacity, bucket.tokens + (elapsed * shape.capacity) / shape.perMs);
  return { tokens, updatedAt: Math.max(now, bucket.updatedAt) };
}

/** Milliseconds until a refilled bucket holds one whole token (0: it holds one now). */
export function msUntilToken(bucket: Bucket, shape: BucketShape): number {
  if (bucket.tokens >= 1) return 0;
  return Math.ceil(((1 - bucket.tokens) * shape.perMs) / shape.capacity);
}

/** The bucket after taking one token; the caller checked that there is one. */
export function takeToken(bucket: Bucket): Bucket {
  if (bucket.tokens < 1) throw new RangeError(`no whole token in the bucket (${bucket.tokens})`);
  return { tokens: bucket.tokens - 1, updatedAt: bucket.updatedAt };
}
