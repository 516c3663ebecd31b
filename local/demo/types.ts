import type { ChildCounts } from "#core/job.ts";
import type { FakeConnection } from "../fakes/types.ts";

/**
 * What the demo reads of a fake's counters: ZwiftRacing's also counts repeated calls, ChronoTrack's
 * the entries pushed to it, RunSignUp's the result rows posted to it.
 */
export interface DemoFakeStats {
  readonly requests: number;
  readonly rateLimited: number;
  readonly repeated?: number;
  readonly pushes?: { readonly created: number; readonly updated: number };
  readonly resultsPosted?: number;
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
/** Each race sync type's jobs: the ones the demo started, and the pushes and publishes it waited for. */
export type RaceRuns = Record<string, { readonly runs: readonly DemoRun[] }>;

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
  /**
   * What the provider was sent (race providers only): entries pushed to ChronoTrack, result rows
   * published to RunSignUp, none to Race Roster.
   */
  readonly pushes?: number;
  readonly syncs: Syncs;
  readonly note?: string;
  /** Why the provider could not be demoed at all (no fake, a refused connection). */
  readonly problem?: string;
}

export interface DemoProviders {
  readonly openf1: ProviderDemo<TwiceRuns>;
  readonly zwiftracing: ProviderDemo<OnceRuns>;
  readonly runsignup: ProviderDemo<RaceRuns>;
  readonly raceroster: ProviderDemo<RaceRuns>;
  readonly chronotrack: ProviderDemo<RaceRuns>;
}

/** The race providers, in the order the demo's lines list them. */
export const RACE_PROVIDERS = ["runsignup", "raceroster", "chronotrack"] as const;
export type RaceProvider = (typeof RACE_PROVIDERS)[number];

/** One publication as the demo prepared and approved it. */
export interface PublicationDemo {
  readonly publicationId: string;
  /** Its status after the approval (`approved`), or the last one seen. */
  readonly status: string;
  readonly targets: readonly {
    readonly provider: string;
    readonly eventId: string;
    readonly supported: boolean;
    readonly rows: number;
    readonly added: number;
    readonly changed: number;
    readonly removed: number;
    readonly unchanged: number;
  }[];
  /** The publish jobs its approval queued. */
  readonly jobs: readonly string[];
  /** Result rows RunSignUp's fake stored while this publication's jobs ran. */
  readonly rowsPosted: number;
}

export type PublicationsDemo =
  | { readonly available: false }
  | {
      readonly available: true;
      readonly first?: PublicationDemo;
      /** The same results published again: nothing may be sent. */
      readonly second?: PublicationDemo;
      /** Why a step could not be done (a refused prepare or approve). */
      readonly problem?: string;
    };

/** The race part: its own tenant, one Pacer event fed by RunSignUp and Race Roster, scored on ChronoTrack. */
export interface RaceDemo {
  readonly tenantId: string;
  readonly eventId?: string;
  /** The unified participants of the event, and how many came from two registrations. */
  readonly participants: { readonly count: number; readonly withTwoSources: number };
  readonly publications: PublicationsDemo;
  /** Why the race could not be demoed past some step (a fake missing, the event refused). */
  readonly problem?: string;
}

export interface DemoSummary {
  readonly ok: boolean;
  readonly durationMs: number;
  /** Every limit window, Pacer's and the fakes', was divided by this. */
  readonly timeScale: number;
  readonly providers: DemoProviders;
  readonly race: RaceDemo;
  readonly problems: readonly string[];
}
