import type { LimitDef, Priority } from "#catalog/types.ts";

/**
 * How one worker loop generates demand:
 * - `backlog`: asks again as soon as its previous call is made (never idles);
 * - `random`: idles an exponentially distributed time (mean `meanGapMs`) before each ask.
 */
export type Arrival = { readonly kind: "backlog" } | { readonly kind: "random"; readonly meanGapMs: number };

export interface WorkerRole {
  readonly priority: Priority;
  readonly arrival: Arrival;
}

export interface Scenario {
  readonly name: string;
  /** Every call needs a permit under all of these. */
  readonly limits: readonly LimitDef[];
  /** Spread round-robin over `processes` worker processes. */
  readonly workers: readonly WorkerRole[];
  readonly processes: number;
}

const backlog = (priority: Priority, count: number): WorkerRole[] =>
  Array.from({ length: count }, () => ({ priority, arrival: { kind: "backlog" } }));

export const SCENARIOS: readonly Scenario[] = [
  {
    name: "one-limit",
    limits: [{ id: "per-2s", calls: 10, perMs: 2_000, scope: "global" }],
    workers: backlog("normal", 16),
    processes: 2,
  },
  {
    name: "two-limits",
    limits: [
      { id: "per-1s", calls: 3, perMs: 1_000, scope: "global" },
      { id: "per-5s", calls: 10, perMs: 5_000, scope: "global" },
    ],
    workers: backlog("normal", 16),
    processes: 2,
  },
  {
    // reserve left to its default: 5% of 20 = 1 permit per window only `high` may take.
    name: "mixed-priority",
    limits: [{ id: "per-2s", calls: 20, perMs: 2_000, scope: "global" }],
    workers: [
      ...backlog("low", 14),
      ...Array.from(
        { length: 2 },
        (): WorkerRole => ({ priority: "high", arrival: { kind: "random", meanGapMs: 1_500 } }),
      ),
    ],
    processes: 2,
  },
];

/** The workers process `index` of `scenario.processes` runs (round-robin, so roles spread evenly). */
export function workersOfProcess(scenario: Scenario, index: number): WorkerRole[] {
  return scenario.workers.filter((_, i) => i % scenario.processes === index);
}

/**
 * How far ahead a worker lets the limiter reserve: high work one window W, the rest 2 × W, where
 * W is the longest window of the limits it needs.
 */
export function maxWaitFor(priority: Priority, limits: readonly LimitDef[]): number {
  const window = Math.max(...limits.map((limit) => limit.perMs));
  return priority === "high" ? window : 2 * window;
}
