import type { ChildCounts } from "#core/job.ts";
import type { FakeConnection } from "../fakes/types.ts";

/** What the demo reads of a fake's counters (ZwiftRacing's also counts repeated calls). */
export interface DemoFakeStats {
  readonly requests: number;
  readonly rateLimited: number;
  readonly repeated?: number;
}

/** A provider the demo connects to: the body its fake accepts, and that fake's counters. */
export interface DemoFake {
  readonly connection: FakeConnection;
  readonly stats: () => DemoFakeStats;
}

export interface DemoRun {
  readonly jobId?: string;
  /** The job's terminal status, or `stalled` / `timeout` (the ceiling) / `rejected` (POST /sync refused). */
  readonly status: string;
  readonly fetched: number;
  readonly written: number;
  readonly unchanged: number;
  readonly params?: Readonly<Record<string, string>>;
  /** A fan-out parent's children, as its record counts them. */
  readonly children?: ChildCounts;
  /** A run that sums several jobs (a parent's children): how many. */
  readonly jobs?: number;
  readonly detail?: string;
}

/** Each OpenF1 sync type twice: the second run must find everything unchanged. */
export type TwiceRuns = Record<string, { readonly run1: DemoRun; readonly run2: DemoRun }>;
/** Each ZwiftRacing sync type once. */
export type OnceRuns = Record<string, { readonly run: DemoRun }>;

export interface ProviderDemo<Syncs> {
  readonly connectionId?: string;
  /** Requests the provider's fake counted. */
  readonly calls: number;
  /** The demo's jobs' `written`, summed. */
  readonly entitiesWritten: number;
  /** Requests the fake answered 429. */
  readonly rateLimited: number;
  /** Calls the fake saw repeat one it had already answered (ZwiftRacing's fake counts them). */
  readonly repeated?: number;
  readonly syncs: Syncs;
  readonly note?: string;
  /** Why the provider could not be demoed at all (no fake, a refused connection). */
  readonly problem?: string;
}

export interface DemoProviders {
  readonly openf1: ProviderDemo<TwiceRuns>;
  readonly zwiftracing: ProviderDemo<OnceRuns>;
}

export interface DemoSummary {
  readonly ok: boolean;
  readonly durationMs: number;
  /** Every limit window, Pacer's and the fakes', was divided by this. */
  readonly timeScale: number;
  readonly providers: DemoProviders;
  readonly problems: readonly string[];
}
