import type { LimitDef, Priority } from "#catalog/types.ts";

/** A request for `permits` calls under every one of `limits` (all or nothing). */
export interface PermitRequest {
  readonly provider: string;
  readonly limits: readonly LimitDef[];
  /** Scopes tenant-scoped limits; global limits ignore it. */
  readonly tenantId: string;
  readonly permits: number;
  readonly priority: Priority;
}

export type PermitDecision =
  | { readonly granted: true }
  /** No permit now; the earliest moment one may be free is `retryAfterMs` from now. */
  | { readonly granted: false; readonly retryAfterMs: number };

export interface LimitUsage {
  readonly limitId: string;
  readonly scope: "global" | "tenant";
  readonly calls: number;
  readonly perMs: number;
  /** Permits granted within the last `perMs`. */
  readonly used: number;
  /** Set while the provider told us to back off. */
  readonly pausedUntil?: string;
}

/**
 * The shared rate limiter. Implementations keep their state where every worker and process sees
 * it (DynamoDB), so the guarantee holds across any number of them.
 */
export interface Limiter {
  acquire(request: PermitRequest): Promise<PermitDecision>;
  /** Provider feedback (429, Retry-After, rate-limit headers): no permits for these limits until `untilMs`. */
  pause(request: Omit<PermitRequest, "permits" | "priority">, untilMs: number): Promise<void>;
  usage(request: Omit<PermitRequest, "permits" | "priority">): Promise<LimitUsage[]>;
}
