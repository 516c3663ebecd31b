import type { LimitDef } from "#catalog/types.ts";
import type { WriteTally } from "./capacity-meter.ts";
import type { LimiterName } from "./limiters.ts";
import type { WorkerRole } from "./scenarios.ts";
import type { CallRecord } from "./worker-loop.ts";

/** What a worker process needs for one limiter run; sent by the parent right after the fork. */
export interface WorkerProcessConfig {
  readonly limiter: LimiterName;
  readonly dynamoEndpoint: string;
  readonly tableName: string;
  readonly provider: string;
  readonly tenantId: string;
  readonly limits: readonly LimitDef[];
  readonly workers: readonly WorkerRole[];
  /** The fake provider's URL for this run; every worker call is a GET of it. */
  readonly callUrl: string;
  readonly jitterMs: number;
}

export type ParentMessage =
  | { readonly type: "config"; readonly config: WorkerProcessConfig }
  /** Both processes start their loops at `startAt` and start no call at or after `deadline`. */
  | { readonly type: "start"; readonly startAt: number; readonly deadline: number };

/** What one worker process saw during a run. */
export interface ProcessReport {
  readonly calls: readonly CallRecord[];
  readonly refusals: number;
  readonly stalePermits: number;
  readonly errors: number;
  /** The first few limiter or provider errors, for the log. */
  readonly errorSamples: readonly string[];
  readonly writes: WriteTally;
}

export type ChildMessage =
  | { readonly type: "ready" }
  | { readonly type: "report"; readonly report: ProcessReport }
  | { readonly type: "failed"; readonly message: string };
