import { Duration, Stack } from "aws-cdk-lib";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { baseUrlEnvVar, credentialsSecretEnvVar, redirectHostsEnvVar } from "#catalog/index.ts";
import { type Catalog, PRIORITIES, type Priority } from "#catalog/types.ts";
import { QUEUES_ENV_VAR, WORKER_TIMEOUT_SECONDS } from "#core/resources.ts";
import type { RetryPolicy } from "#core/retry-budget.ts";
import { PacerFunction } from "./pacer-function.ts";
import type { PacerQueues } from "./queues.ts";
import type { PacerTableSet } from "./tables.ts";

export interface PacerWorkersProps {
  readonly catalog: Catalog;
  readonly tables: PacerTableSet;
  readonly queues: PacerQueues;
  readonly jobRetentionDays: number;
  readonly historyRetentionDays: number;
  /**
   * Base URL overrides per provider id, passed as `PACER_<PROVIDER>_BASE_URL`.
   * @default {}
   */
  readonly providerBaseUrls?: Readonly<Record<string, string>>;
  /**
   * Credentials secrets (name or ARN) per provider id, passed as `PACER_<PROVIDER>_CREDENTIALS_SECRET`
   * and readable by that provider's worker only.
   * @default {}
   */
  readonly providerSecrets?: Readonly<Record<string, string>>;
  /**
   * Most concurrent invocations each priority's event source may drive (SQS minimum is 2).
   * The limiter decides how many calls go out; this only bounds Lambda fan-out per queue.
   * @default { high: 5, normal: 3, low: 2 }
   */
  readonly maxConcurrency?: Readonly<Record<Priority, number>>;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** Each job's retry budget, as env for the worker (see core/retry-budget.ts). @default the code's defaults */
  readonly retry?: RetryPolicy;
  /**
   * Hosts per provider id a redirect may go to besides the base URL's (`PACER_<PROVIDER>_REDIRECT_HOSTS`).
   * @default {}
   */
  readonly providerRedirectHosts?: Readonly<Record<string, readonly string[]>>;
}

/** One worker Lambda per catalog provider, fed by that provider's three priority queues. */
export class PacerWorkers extends Construct {
  /** Worker function by provider id. */
  public readonly functions: ReadonlyMap<string, PacerFunction>;

  constructor(scope: Construct, id: string, props: PacerWorkersProps) {
    super(scope, id);
    const maxConcurrency = props.maxConcurrency ?? { high: 5, normal: 3, low: 2 };
    const functions = new Map<string, PacerFunction>();

    for (const provider of props.catalog.providers) {
      const baseUrl = props.providerBaseUrls?.[provider.id];
      const secretId = props.providerSecrets?.[provider.id];
      const secret = secretFor(this, provider.id, secretId);
      const redirectHosts = props.providerRedirectHosts?.[provider.id];
      const worker = new PacerFunction(this, provider.id, {
        entry: `functions/providers/${provider.id}/handler.ts`,
        description: `Pacer: ${provider.displayName} sync worker`,
        timeout: Duration.seconds(WORKER_TIMEOUT_SECONDS),
        memorySize: 1024,
        logRetention: props.logRetention,
        environment: {
          [QUEUES_ENV_VAR]: Stack.of(this).toJsonString(props.queues.urls([provider.id])),
          PACER_JOB_RETENTION_DAYS: String(props.jobRetentionDays),
          PACER_HISTORY_RETENTION_DAYS: String(props.historyRetentionDays),
          ...(baseUrl === undefined ? {} : { [baseUrlEnvVar(provider.id)]: baseUrl }),
          ...(secretId === undefined ? {} : { [credentialsSecretEnvVar(provider.id)]: secretId }),
          ...(redirectHosts?.length ? { [redirectHostsEnvVar(provider.id)]: redirectHosts.join(",") } : {}),
          ...retryEnv(props.retry),
        },
      });
      secret?.grantRead(worker);
      worker
        .bindTable(props.tables.data, "readWrite")
        .bindTable(props.tables.limiter, "readWrite")
        .bindTable(props.tables.idempotency, "readWrite");
      // It re-queues deferred jobs itself and moves poison messages to the DLQs.
      props.queues.grantSend(worker, [provider.id], { deadLetter: true });

      const queues = props.queues.forProvider(provider.id);
      for (const priority of PRIORITIES) {
        worker.addEventSource(
          new SqsEventSource(queues[priority].queue, {
            batchSize: 10,
            reportBatchItemFailures: true,
            maxConcurrency: maxConcurrency[priority],
          }),
        );
      }
      functions.set(provider.id, worker);
    }
    this.functions = functions;
  }
}

/** A secret given by full ARN or by name (then its ARN's random suffix is matched by IAM). */
function secretFor(scope: Construct, providerId: string, nameOrArn: string | undefined) {
  if (nameOrArn === undefined) return undefined;
  const id = `${providerId}CredentialsSecret`;
  return nameOrArn.startsWith("arn:")
    ? Secret.fromSecretCompleteArn(scope, id, nameOrArn)
    : Secret.fromSecretNameV2(scope, id, nameOrArn);
}

/** The retry budget as the worker reads it (core/retry-budget.ts, retryPolicyFromEnv). */
function retryEnv(retry: RetryPolicy | undefined): Record<string, string> {
  if (!retry) return {};
  return {
    PACER_RETRY_MAX_ATTEMPTS: String(retry.maxAttempts),
    PACER_RETRY_BASE_DELAY_MS: String(retry.baseDelayMs),
    PACER_RETRY_MAX_DELAY_MS: String(retry.maxDelayMs),
    PACER_RETRY_MAX_AGE_MS: String(retry.maxAgeMs),
    ...(retry.maxPermitWaitMs === undefined
      ? {}
      : { PACER_MAX_PERMIT_WAIT_MS: String(retry.maxPermitWaitMs) }),
  };
}
