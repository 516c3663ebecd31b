import { Duration } from "aws-cdk-lib";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { Catalog } from "#catalog/types.ts";
import { ENV } from "#core/env.ts";
import { FUNCTIONS } from "#core/functions.ts";
import { PacerFunction } from "./pacer-function.ts";
import type { PacerQueues } from "./queues.ts";
import type { PacerTableSet } from "./tables.ts";

/** How often the sweep runs; a lost job is found within about this plus the grace. */
export const JOB_SWEEP_PERIOD = Duration.minutes(5);

export interface JobSweeperProps {
  readonly catalog: Catalog;
  readonly tables: PacerTableSet;
  readonly queues: PacerQueues;
  readonly jobRetentionDays: number;
  /**
   * How long past its due time an open job's message counts as lost (`PACER_SWEEP_GRACE_MS`).
   * @default Duration.minutes(5)
   */
  readonly grace?: Duration;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

/**
 * Re-sends the message of jobs left open long after it was due (lost between a record write and a
 * send, or with a worker that died): scheduled by PacerSchedules every JOB_SWEEP_PERIOD.
 */
export class JobSweeper extends Construct {
  public readonly function: PacerFunction;

  constructor(scope: Construct, id: string, props: JobSweeperProps) {
    super(scope, id);
    const _providers = props.catalog.providers.map((p) => p.id);
    this.function = new PacerFunction(this, "Function", {
      spec: FUNCTIONS.sweeper,
      tables: props.tables,
      queues: props.queues,
      logRetention: props.logRetention,
      environment: {
        [ENV.jobRetentionDays]: String(props.jobRetentionDays),
        [ENV.sweepGraceMs]: String((props.grace ?? Duration.minutes(5)).toMilliseconds()),
      },
    });
  }
}
