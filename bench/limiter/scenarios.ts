import type { LimitDef, Priority } from "#catalog/types.ts";

/**
 * How one worker loop generates demand:
 * - `backlog`: asks again as soon as its previous call is made (never idles);
 * - `random`: idles an exponentially distributed time (mean `meanGapMs`) before each ask;
 * - `spaced`: idles a uniformly distributed time in [minGapMs, maxGapMs] before each ask — random,
 *   but never two asks closer than `minGapMs` (a manual trigger that comes now and then).
 */
export type Arrival =
  | { readonly kind: "backlog" }
  | { readonly kind: "random"; readonly meanGapMs: number }
  | { readonly kind: "spaced"; readonly minGapMs: number; readonly maxGapMs: number };

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
    // High calls within the reserve, as the reserve is meant to be sized: 2 of 40 per 2 s (the
    // default 5%) are kept for high work, and each of the 2 high workers (one per process) calls
    // at random but at most once per window, under a low backlog that would take everything else.
    name: "mixed-priority",
    limits: [{ id: "per-2s", calls: 40, perMs: 2_000, scope: "global" }],
    workers: [
      ...backlog("low", 14),
      ...Array.from(
        { length: 2 },
        (): WorkerRole => ({
          priority: "high",
          arrival: { kind: "spaced", minGapMs: 2_100, maxGapMs: 2_600 },
        }),
      ),
    ],
    processes: 2,
  },
  {
    // High calls beyond the reserve: about 2.7 per window against a reserve of 1 (the default 5%
    // of 20). Those past the reserve take over low reservations.
    name: "mixed-burst",
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
