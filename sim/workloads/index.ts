import { raceWeekendWorkload } from "./race-weekend.ts";
import type { Workload, WorkloadOptions } from "./types.ts";
import { zwiftClubWorkload } from "./zwift-club.ts";

/** The workloads `npm run simulate` knows, by name. */
export const WORKLOADS = {
  "zwift-club": zwiftClubWorkload,
  "race-weekend": raceWeekendWorkload,
} as const satisfies Record<string, (options: WorkloadOptions) => Workload>;

export type WorkloadName = keyof typeof WORKLOADS;

export const WORKLOAD_NAMES = Object.keys(WORKLOADS) as WorkloadName[];

export function buildWorkload(name: WorkloadName, options: WorkloadOptions): Workload {
  return WORKLOADS[name](options);
}
