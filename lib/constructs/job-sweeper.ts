import { Duration, Stack } from "aws-cdk-lib";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { Catalog } from "#catalog/types.ts";
import { QUEUES_ENV_VAR } from "#core/resources.ts";
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
    const providers = props.catalog.providers.map((p) => p.id);
    this.function = new PacerFunction(this, "Function", {
      entry: "functions/handlers/sweeper.ts",
      description: "Pacer: sends again the messages of jobs that lost theirs",
      timeout: Duration.seconds(60),
      logRetention: props.logRetention,
      environment: {
        [QUEUES_ENV_VAR]: Stack.of(this).toJsonString(props.queues.urls(providers)),
        PACER_JOB_RETENTION_DAYS: String(props.jobRetentionDays),
        PACER_SWEEP_GRACE_MS: String((props.grace ?? Duration.minutes(5)).toMilliseconds()),
      },
    });
    this.function.bindTable(props.tables.data, "readWrite");
    props.queues.grantSend(this.function, providers, { deadLetter: false });
  }
}
