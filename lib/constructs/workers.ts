import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { baseUrlEnvVar, redirectHostsEnvVar } from "#catalog/index.ts";
import { type Catalog, PRIORITIES, type Priority } from "#catalog/types.ts";
import { ENV } from "#core/env.ts";
import { workerSpec } from "#core/functions.ts";
import type { RetryPolicy } from "#core/retry-budget.ts";
import { grantConnectionSecretsRead } from "./connection-access.ts";
import { PacerFunction } from "./pacer-function.ts";
import type { PacerQueues } from "./queues.ts";
import type { PacerSchedules } from "./schedules.ts";
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
   * Connections' secrets are named `<secretPrefix><connectionId>`: each worker may read those
   * (a job runs for any connection of its provider) and no other secret.
   */
  readonly secretPrefix: string;
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
  readonly #catalog: Catalog;
  #liveWindows: PacerSchedules | undefined;

  constructor(scope: Construct, id: string, props: PacerWorkersProps) {
    super(scope, id);
    const maxConcurrency = props.maxConcurrency ?? { high: 5, normal: 3, low: 2 };
    const functions = new Map<string, PacerFunction>();

    for (const provider of props.catalog.providers) {
      const baseUrl = props.providerBaseUrls?.[provider.id];
      const redirectHosts = props.providerRedirectHosts?.[provider.id];
      const worker = new PacerFunction(this, provider.id, {
        spec: workerSpec(provider),
        tables: props.tables,
        queues: props.queues,
        provider: provider.id,
        logRetention: props.logRetention,
        environment: {
          [ENV.jobRetentionDays]: String(props.jobRetentionDays),
          [ENV.historyRetentionDays]: String(props.historyRetentionDays),
          ...(baseUrl === undefined ? {} : { [baseUrlEnvVar(provider.id)]: baseUrl }),
          [ENV.secretPrefix]: props.secretPrefix,
          ...(redirectHosts?.length ? { [redirectHostsEnvVar(provider.id)]: redirectHosts.join(",") } : {}),
          ...retryEnv(props.retry),
        },
      });
      grantConnectionSecretsRead(worker, props.secretPrefix);

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
    this.#catalog = props.catalog;
  }

  /**
   * Lets the worker of each provider with windowed sync types (OpenF1's real-time tier) put and
   * delete its connections' live-window schedules in the connections group (after a calendar
   * sync): its environment names the group, role and DLQ, and its role may use them. The
   * schedules come later in the stack than the workers, hence a method, not a prop. Calling it
   * again with the same schedules changes nothing.
   */
  manageLiveWindows(schedules: PacerSchedules): void {
    if (this.#liveWindows === schedules) return;
    if (this.#liveWindows !== undefined) throw new Error("the workers' live windows are already managed");
    this.#liveWindows = schedules;
    for (const provider of this.#catalog.providers) {
      const worker = this.functions.get(provider.id);
      if (worker && provider.syncTypes.some((syncType) => syncType.windowed === true)) {
        schedules.grantWindowSchedules(worker);
      }
    }
  }
}

/** The retry budget as the worker reads it (core/retry-budget.ts, retryPolicyFromEnv). */
function retryEnv(retry: RetryPolicy | undefined): Record<string, string> {
  if (!retry) return {};
  return {
    [ENV.retryMaxAttempts]: String(retry.maxAttempts),
    [ENV.retryBaseDelayMs]: String(retry.baseDelayMs),
    [ENV.retryMaxDelayMs]: String(retry.maxDelayMs),
    [ENV.retryMaxAgeMs]: String(retry.maxAgeMs),
    ...(retry.maxPermitWaitMs === undefined ? {} : { [ENV.maxPermitWaitMs]: String(retry.maxPermitWaitMs) }),
  };
}
