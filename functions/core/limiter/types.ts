import type { LimitDef, Priority } from "#catalog/types.ts";
import type { Hold } from "./sliding-log.ts";

/** A request for `permits` calls under every one of `limits` (all or nothing). */
export interface PermitRequest {
  readonly provider: string;
  readonly limits: readonly LimitDef[];
  /**
   * Scopes `tenant`-scoped limits: the connection's credential budget (two connections with the
   * same key give the same one). Global limits ignore it.
   */
  readonly scopeKey: string;
  readonly permits: number;
  readonly priority: Priority;
  /**
   * How far ahead a permit may be reserved. A reserved permit is granted now for a moment up to
   * this far in the future; the caller waits `waitMs` and then calls. Reserving instead of
   * retrying spreads concurrent callers over distinct slots, so they do not race for the same one.
   * @default 0 - only a permit usable now
   */
  readonly maxWaitMs?: number;
  /**
   * Permits this caller was granted earlier and will not call on (a reservation it found taken
   * over, or a permit it woke too late for): freed in the same write, so they cost nothing more.
   */
  readonly release?: PermitRelease;
}

/** `permits` granted at the moment `at` that nobody will call on. */
export interface PermitRelease {
  readonly at: number;
  readonly permits: number;
}

export type PermitDecision =
  /**
   * Call after `waitMs` (at the moment `at`, epoch ms, on the limiter's clock), and start the call
   * within `validForMs` after that: a caller that woke
   * later (a stalled event loop) must not call on this permit but ask again, or two calls could
   * land closer together than the limit allows.
   */
  | {
      readonly granted: true;
      readonly waitMs: number;
      readonly validForMs: number;
      readonly at: number;
      /**
       * Set on a reservation of normal or low work far enough ahead that high work may take it
       * over: confirm it (`Limiter.confirm`) at `at − CONFIRM_LEAD_MS` and call only if it is
       * still held; otherwise ask again.
       */
      readonly hold?: Hold;
    }
  /** No permit within `maxWaitMs`; the earliest moment one may be free is `retryAfterMs` from now. */
  | { readonly granted: false; readonly retryAfterMs: number };

export interface LimitUsage {
  readonly limitId: string;
  readonly scope: "global" | "tenant";
  readonly calls: number;
  readonly perMs: number;
  /** Permits granted within the last `perMs`. */
  readonly used: number;
  /** Permits reserved for the future. */
  readonly reserved: number;
  /** Set while the provider told us to back off. */
  readonly pausedUntil?: string;
}

/**
 * The shared rate limiter. Implementations keep their state where every worker and process sees
 * it (DynamoDB), so the guarantee holds across any number of them.
 */
export interface Limiter {
  acquire(request: PermitRequest): Promise<PermitDecision>;
  /** Whether a reservation (a decision's `hold`) is still its holder's. */
  confirm(request: Omit<PermitRequest, "permits" | "priority">, hold: Hold): Promise<boolean>;
  /** Provider feedback (429, Retry-After, rate-limit headers): no permits for these limits until `untilMs`. */
  pause(request: Omit<PermitRequest, "permits" | "priority">, untilMs: number): Promise<void>;
  usage(request: Omit<PermitRequest, "permits" | "priority">): Promise<LimitUsage[]>;
}
