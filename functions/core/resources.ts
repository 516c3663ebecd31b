import type { Priority } from "#catalog/types.ts";
import { ENV } from "./env.ts";

/**
 * The shape of Pacer's tables and queues, as plain data. The CDK constructs and the local
 * stand-in both create their resources from these, so the two can never drift apart.
 */

export interface TableSpec {
  /** CDK construct id, and (prefixed) the local table name. */
  readonly id: string;
  /** Environment variable through which handlers learn the table's name. */
  readonly envVar: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly ttlAttribute?: string;
  readonly stream?: "NEW_AND_OLD_IMAGES";
  readonly indexes?: readonly {
    readonly name: string;
    readonly partitionKey: string;
    readonly sortKey?: string;
  }[];
}

export const TABLES = {
  /**
   * Synced entities, their history snapshots, job records and per-sync status, keyed so that one
   * stream carries every change a WebSocket client may care about.
   *   entity   pk ENT#<tenant>#<provider>#<entityType>           sk <entityId>
   *   history  pk HIST#<tenant>#<provider>#<entityType>#<id>     sk <iso time>   (TTL)
   *   job      pk JOB#<tenant>#<jobId>                           sk JOB          (TTL)
   *   status   pk STATUS#<tenant>                                sk <provider>#<syncType>
   *   connection  pk CONNECTIONS                                sk <tenant>#<connectionId>
   *   watermark   pk STATE#<tenant>#<connectionId>              sk <syncType>
   *   pushed      pk PUSH#<tenant>#<connectionId>#<entityType>  sk <entityId>
   *   race event  pk RACE#<tenant>                              sk EVENT#<eventId>
   *   owned       pk RACE#<tenant>#<eventId>                    sk OWNED#<participantId>
   *   subject     pk SUBJECT#<tenant>                 sk <connectionId>#<syncType>#<paramsHash>  (TTL)
   *   response    pk RESPONSE#<tenant>                sk <hash>                                  (TTL)
   * Open jobs also carry `openShard` OPEN#<provider> and `dueAt` (ISO): the sparse index the sweep
   * reads to find jobs whose message was lost.
   */
  data: {
    id: "Data",
    envVar: ENV.dataTable,
    partitionKey: "pk",
    sortKey: "sk",
    ttlAttribute: "expiresAt",
    stream: "NEW_AND_OLD_IMAGES",
    indexes: [{ name: "open-jobs", partitionKey: "openShard", sortKey: "dueAt" }],
  },
  /** Limiter state: one item per provider and scope (`LIM#<provider>#<tenant or *>`) holding all that scope's limits (layout: functions/adapters/dynamo/limiter-codec.ts). */
  limiter: {
    id: "Limiter",
    envVar: ENV.limiterTable,
    partitionKey: "pk",
    ttlAttribute: "expiresAt",
  },
  /**
   * WebSocket connections and their subscriptions.
   *   connection    pk CONN#<connectionId>          sk META
   *   its topics    pk CONN#<connectionId>          sk SUB#<topic>
   *   subscribers   pk SUB#<tenant>#<topic>         sk <connectionId>
   */
  connections: {
    id: "Connections",
    envVar: ENV.connectionsTable,
    partitionKey: "pk",
    sortKey: "sk",
    ttlAttribute: "expiresAt",
  },
  /** Powertools idempotency records (its required key `id` and TTL `expiration`). */
  idempotency: {
    id: "Idempotency",
    envVar: ENV.idempotencyTable,
    partitionKey: "id",
    ttlAttribute: "expiration",
  },
} as const satisfies Record<string, TableSpec>;

export type TableKey = keyof typeof TABLES;

export interface QueueSpec {
  readonly provider: string;
  readonly priority: Priority;
  /** `pacer-<provider>-<priority>`; its DLQ adds `-dlq`. */
  readonly name: string;
  readonly dlqName: string;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
}

/** Worker Lambda timeout; the queues' visibility timeout is six times it, as AWS advises. */
export const WORKER_TIMEOUT_SECONDS = 60;
export const MAX_RECEIVE_COUNT = 5;
/** A worker waits this long at most, inside one invocation, for a reserved permit; longer waits go back to SQS. */
export const MAX_PERMIT_WAIT_MS = 5_000;
/** Low-priority work that has waited this long is promoted to normal, so it is never starved. */
export const LOW_PRIORITY_AGING_MS = 15 * 60_000;
/** SQS's longest per-message delay. Longer waits are chained (see JobMessage.notBefore). */
export const MAX_SQS_DELAY_SECONDS = 900;

export function queueSpecs(providerId: string): QueueSpec[] {
  return (["high", "normal", "low"] as const).map((priority) => ({
    provider: providerId,
    priority,
    name: `pacer-${providerId}-${priority}`,
    dlqName: `pacer-${providerId}-${priority}-dlq`,
    visibilityTimeoutSeconds: WORKER_TIMEOUT_SECONDS * 6,
    maxReceiveCount: MAX_RECEIVE_COUNT,
  }));
}

/**
 * `PACER_QUEUES`: JSON `{ "<provider>": { "high": {"url","dlqUrl","arn"}, "normal": …, "low": … } }`.
 * Workers, the REST API and the local stand-in all read queue URLs from it; the API names a
 * queue's ARN as the target of the schedules it creates.
 */
export type QueueUrls = Record<
  string,
  Record<Priority, { readonly url: string; readonly dlqUrl: string; readonly arn: string }>
>;
export const QUEUES_ENV_VAR = ENV.queues;
