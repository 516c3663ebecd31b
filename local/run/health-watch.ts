import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { ListQueuesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { clientConfig } from "../aws/aws-config.ts";
import type { RunningFake } from "../fakes/index.ts";
import { type Dependency, type HealthMonitor, startHealthMonitor } from "../health.ts";
import type { LocalLog } from "../log.ts";
import type { AwsStandIns } from "./aws-stand-ins.ts";
import type { Teardown } from "./teardown.ts";

const PROBE_TIMEOUT_MS = 3_000;

/**
 * The stand-in's CloudWatch alarms: DynamoDB Local and the SQS emulator probed, each fake's
 * process watched for an exit, one line per outage and one per recovery.
 */
export function watchHealth(standIns: AwsStandIns, log: LocalLog, teardown: Teardown): HealthMonitor {
  const watched = dependencies(standIns.dynamoEndpoint, standIns.sqsEndpoint, standIns.fakes);
  const health = startHealthMonitor({ dependencies: watched.dependencies, log });
  teardown.add(() => {
    health.stop();
    watched.close();
  });
  for (const [id, fake] of Object.entries(standIns.fakes)) {
    fake.onUnexpectedExit((description) => health.markDown(`fake:${id}`, `its process ${description}`));
  }
  return health;
}

/** What the health monitor watches, and what each outage stops. */
function dependencies(
  dynamoEndpoint: string,
  sqsEndpoint: string,
  fakes: Readonly<Record<string, RunningFake>>,
): { dependencies: Record<string, Dependency>; close(): void } {
  // Clients of their own: one attempt each, so a probe says at once whether the service answers.
  const probeDynamo = new DynamoDBClient({ ...clientConfig(dynamoEndpoint), maxAttempts: 1 });
  const probeSqs = new SQSClient({ ...clientConfig(sqsEndpoint), maxAttempts: 1 });
  const timeout = () => ({ abortSignal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  const watched: Record<string, Dependency> = {
    dynamodb: {
      name: `DynamoDB Local (${dynamoEndpoint})`,
      affects:
        "job records, the limiter and entity writes: worker batches fail and are retried, the API " +
        "answers errors, and WebSocket updates pause",
      probe: async () => {
        await probeDynamo.send(new ListTablesCommand({ Limit: 1 }), timeout());
      },
    },
    sqs: {
      name: `the SQS emulator (${sqsEndpoint})`,
      affects: "the job queues: POST /sync and the scheduler cannot enqueue, workers receive nothing",
      probe: async () => {
        await probeSqs.send(new ListQueuesCommand({ MaxResults: 1 }), timeout());
      },
    },
    ...Object.fromEntries(
      Object.entries(fakes).map(([id, fake]) => [
        `fake:${id}`,
        {
          name: `the fake ${id} provider (pid ${fake.pid}, ${fake.url})`,
          affects: `every ${id} call: its jobs fail their attempts and end in the DLQ; restart the stand-in`,
        },
      ]),
    ),
  };
  return {
    dependencies: watched,
    close: () => {
      probeDynamo.destroy();
      probeSqs.destroy();
    },
  };
}
