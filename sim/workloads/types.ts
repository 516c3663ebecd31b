import type { Priority } from "#catalog/types.ts";

/**
 * A sync as the simulator names it: one connection (by its workload key), a sync type, its params
 * (`any`: whichever run of the sync type came last dates the page).
 */
export interface Subject {
  readonly connection: string;
  readonly syncType: string;
  readonly params: Readonly<Record<string, string>> | "any";
}

/** A reader opens a page: one `GET /data/...` read, then maybe a WebSocket session on the page. */
export interface ReadAction {
  readonly kind: "read";
  readonly at: number;
  readonly provider: string;
  /** What the report groups the read's age under (`signups`, `riders`, …). */
  readonly dataKind: string;
  /**
   * What the page reads: the data route's entity type and query (contract 9: `id` or `prefix`),
   * or another REST route (a race's participants).
   */
  readonly read:
    | { readonly entityType: string; readonly query: { readonly id?: string; readonly prefix?: string } }
    | { readonly path: (connectionIds: Readonly<Record<string, string>>, context: ReadContext) => string };
  /** The sync whose last success dates what the page shows. */
  readonly subject: Subject;
  /** How old the page's data may be (ms). */
  readonly targetMs: number;
  /** Since when the provider has had the data (epoch ms): the age of data never synced. */
  readonly availableSince: number;
  /**
   * From when the provider's answer no longer changes (an event's results, posted at its end):
   * a copy fetched then or later is the provider's final answer, not an old one. Absent: it changes.
   */
  readonly settledAt?: number;
  /** The page's WebSocket: the topic it subscribes to and how long the reader stays. */
  readonly ws?: { readonly topic: string; readonly dwellMs: number };
}

/** What the workload set up at run time (a race's Pacer event id). */
export type ReadContext = Readonly<Record<string, string>>;

/** A person asks for a sync by hand (`POST /sync`): its latency is how long until the job succeeded. */
export interface ManualAction {
  readonly kind: "manual";
  readonly at: number;
  readonly provider: string;
  readonly subject: Subject & { readonly params: Readonly<Record<string, string>> };
}

/** The world changes: a call to a fake's test-only control route (new registrations, finishers). */
export interface ControlAction {
  readonly kind: "control";
  readonly at: number;
  readonly fake: string;
  readonly method: "POST";
  readonly path: string;
  readonly body: unknown;
}

export type Action = ReadAction | ManualAction | ControlAction;

/** A connection the workload's tenant makes through `POST /connections`. */
export interface ConnectionSpec {
  /** What actions and seed jobs call it. */
  readonly key: string;
  readonly provider: string;
  /** Settings over the fake's own connection's (e.g. the workload's club). */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** Settings only the seed's connection gets, over those: what keeps Pacer's own work out of its plan. */
  readonly seedSettings?: Readonly<Record<string, unknown>>;
}

/** One job of the seed strategy's fixed plan, sent at its slot as a Scheduler target would. */
export interface SeedJob {
  readonly connection: string;
  readonly syncType: string;
  readonly params?: Readonly<Record<string, string>>;
  readonly priority: Priority;
  /** Sent as a manual job: Pacer's gates for scheduled runs (the race-day cadence) must not skip it. */
  readonly asManual?: boolean;
}

/** The design documents' fixed plan: when its slots are, and what each sends. */
export interface SeedPlan {
  /** The first slot strictly after `afterMs`, or undefined. */
  nextSlot(afterMs: number): number | undefined;
  /** The jobs of the slot at `slotMs` (what the hand-rolled cron knows then). */
  jobsAt(slotMs: number): SeedJob[];
}

/** What the workload needs set up through the API once its connections exist (a race's event). */
export interface SetupContext {
  readonly connectionIds: Readonly<Record<string, string>>;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
}

/** A whole workload, deterministic from its seed. */
export interface Workload {
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
  /** Per fake provider: its workload data (FakeServerOptions.workload). */
  readonly fakeWorkloads: Readonly<Record<string, unknown>>;
  readonly connections: readonly ConnectionSpec[];
  /** In time order. */
  readonly actions: readonly Action[];
  readonly seed: SeedPlan;
  /** Resolves to what reads need of it (ReadContext), e.g. `{ eventId }`. */
  readonly setup?: (context: SetupContext) => Promise<ReadContext>;
  /** What the workload's numbers mean, for the report (event counts, reader counts). */
  readonly description: Readonly<Record<string, number | string>>;
}

export interface WorkloadOptions {
  readonly seed: number;
  /** Simulated span. */
  readonly hours: number;
}
