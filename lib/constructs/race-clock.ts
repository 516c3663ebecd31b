import { Duration } from "aws-cdk-lib";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { ENV } from "#core/env.ts";
import { FUNCTIONS } from "#core/functions.ts";
import { PacerFunction } from "./pacer-function.ts";
import type { PacerQueues } from "./queues.ts";
import type { PacerTableSet } from "./tables.ts";

/** How often the race clock runs; results are due every 30 min, so a pull is at most this late. */
export const RACE_CLOCK_PERIOD = Duration.minutes(5);

export interface RaceClockProps {
  readonly tables: PacerTableSet;
  readonly queues: PacerQueues;
  readonly jobRetentionDays: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

/**
 * Queues the scoring providers' results pulls of running race events (scheduled by
 * PacerSchedules every RACE_CLOCK_PERIOD). It finds them in the race clock's index in the data
 * table, so it needs no deploy-time list of tenants or events.
 */
export class RaceClock extends Construct {
  public readonly function: PacerFunction;

  constructor(scope: Construct, id: string, props: RaceClockProps) {
    super(scope, id);
    this.function = new PacerFunction(this, "Function", {
      spec: FUNCTIONS.raceClock,
      tables: props.tables,
      queues: props.queues,
      logRetention: props.logRetention,
      environment: { [ENV.jobRetentionDays]: String(props.jobRetentionDays) },
    });
  }
}
