import { z } from "zod";
import type { Catalog } from "#catalog/types.ts";
import { type JobRecord, jobRecordFromItem } from "#core/job.ts";

/**
 * The WebSocket contract. Clients send `{"action": …}`; the server sends `{"type": …}`.
 * Topics are `<provider>/<entityType>` (entity changes, e.g. `openf1/weather`) or `jobs` (the
 * tenant's job changes). Every message a client receives is for its own tenant only.
 */

export const TOPIC_PATTERN = /^(jobs|[a-z0-9]+\/[a-z0-9_-]+|events\/ev-[0-9a-f]{20}\/[a-z]+)$/;
export const JOBS_TOPIC = "jobs";
/** Longer topics are refused before anything looks them up (a DynamoDB key holds 1 KB). */
export const MAX_TOPIC_LENGTH = 200;

const TOPIC_HINT = 'expected "jobs", "<provider>/<entityType>" or "events/<eventId>/<kind>", lower case';

const topic = z
  .string({
    error: (issue) =>
      issue.input === undefined ? `topic is missing: ${TOPIC_HINT}` : `topic must be a string: ${TOPIC_HINT}`,
  })
  .max(MAX_TOPIC_LENGTH, {
    abort: true,
    error: (issue) =>
      `topic is ${String(issue.input).length} characters long; at most ${MAX_TOPIC_LENGTH}: ${TOPIC_HINT}`,
  })
  .regex(TOPIC_PATTERN, {
    error: (issue) => `topic ${quote(String(issue.input))} is not valid: ${TOPIC_HINT}`,
  });

/** A client's string in a reply, cut short: an error must not echo kilobytes back. */
function quote(value: string, max = 64): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}

/** Any client value as JSON in a reply, cut short like {@link quote}. */
function shown(value: unknown, max = 64): string {
  if (typeof value === "string") return quote(value, max);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Every topic that can carry messages: `jobs` and each `<provider>/<entityType>` the catalog syncs. */
export function knownTopics(catalog: Catalog): string[] {
  const topics = new Set<string>([JOBS_TOPIC]);
  for (const provider of catalog.providers) {
    for (const syncType of provider.syncTypes) {
      for (const entityType of syncType.entityTypes) topics.add(`${provider.id}/${entityType}`);
    }
  }
  return [...topics];
}

export const ClientMessageSchema = z.discriminatedUnion(
  "action",
  [
    z.object({ action: z.literal("subscribe"), topic }),
    z.object({ action: z.literal("unsubscribe"), topic }),
    z.object({ action: z.literal("ping") }),
  ],
  {
    error: (issue) => {
      const action = (issue.input as { action?: unknown } | undefined)?.action;
      const hint = 'expected "subscribe", "unsubscribe" or "ping"';
      if (typeof issue.input !== "object" || issue.input === null || Array.isArray(issue.input)) {
        return `message must be a JSON object with an "action": ${hint}`;
      }
      return action === undefined ? `action is missing: ${hint}` : `unknown action ${shown(action)}: ${hint}`;
    },
  },
);

export type ClientMessage = z.infer<typeof ClientMessageSchema>;

export type EntityChange = "created" | "updated" | "deleted";

export type ServerMessage =
  | {
      readonly type: "update";
      readonly topic: string;
      /** `data` is absent when it would not fit in one WebSocket message (see `dataOmitted`). */
      readonly entity: {
        readonly type: string;
        readonly id: string;
        readonly data?: Record<string, unknown>;
      };
      readonly change: EntityChange;
      /** When the change was stored (ISO 8601). */
      readonly at: string;
      /** Set when the entity's data is larger than a WebSocket message can carry: the change, not its content. */
      readonly dataOmitted?: { readonly reason: "too_large"; readonly bytes: number };
    }
  | { readonly type: "job"; readonly job: JobRecord }
  | { readonly type: "pong"; readonly at: string }
  | {
      readonly type: "subscribed";
      readonly topic: string;
      /** Set when the topic's data was older than its target: the job refreshing it (its changes follow as updates). */
      readonly refresh?: { readonly jobId: string };
    }
  | { readonly type: "unsubscribed"; readonly topic: string }
  | { readonly type: "error"; readonly error: { readonly code: string; readonly message: string } };

export type ParsedClientMessage =
  | { readonly ok: true; readonly message: ClientMessage }
  | { readonly ok: false; readonly error: string };

/** Parses a raw WebSocket frame; on failure says what is wrong in words a client developer can act on. */
export function parseClientMessage(body: string | undefined | null): ParsedClientMessage {
  if (body === undefined || body === null || body.trim() === "") {
    return { ok: false, error: 'message is empty: send JSON such as {"action":"ping"}' };
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, error: 'message is not JSON: send JSON such as {"action":"ping"}' };
  }
  const parsed = ClientMessageSchema.safeParse(json);
  if (parsed.success) return { ok: true, message: parsed.data };
  return { ok: false, error: parsed.error.issues.map((issue) => issue.message).join("; ") };
}

/** A DynamoDB stream record of the data table, images already unmarshalled. */
export interface DataChangeRecord {
  readonly eventName: "INSERT" | "MODIFY" | "REMOVE";
  readonly newImage?: Record<string, unknown>;
  readonly oldImage?: Record<string, unknown>;
  /** The stream's `ApproximateCreationDateTime` (epoch seconds). */
  readonly approximateCreationDateTime?: number;
}

export interface TenantMessage {
  readonly tenantId: string;
  readonly topic: string;
  readonly message: ServerMessage;
}

const CHANGE: Record<DataChangeRecord["eventName"], EntityChange> = {
  INSERT: "created",
  MODIFY: "updated",
  REMOVE: "deleted",
};

/**
 * What a data-table change means to WebSocket clients: an `update` for entity items, a `job` for
 * job items, nothing for history snapshots, per-sync status and anything else.
 */
export function changeFromStreamRecord(record: DataChangeRecord): TenantMessage | undefined {
  const image = record.newImage ?? record.oldImage;
  if (!image || typeof image.pk !== "string" || typeof image.sk !== "string") return undefined;
  const [kind, ...parts] = image.pk.split("#");
  if (kind === "ENT") return entityChange(record, image, parts);
  if (kind === "JOB") return jobChange(record, parts);
  return undefined;
}

function entityChange(
  record: DataChangeRecord,
  image: Record<string, unknown>,
  parts: string[],
): TenantMessage | undefined {
  const [tenantId, provider, entityType] = parts;
  if (parts.length !== 3 || !tenantId || !provider || !entityType) return undefined;
  // A rewrite that leaves the content unchanged (same hash) is no news for clients.
  if (
    record.eventName === "MODIFY" &&
    record.oldImage?.hash !== undefined &&
    record.oldImage.hash === record.newImage?.hash
  ) {
    return undefined;
  }
  const topic = `${provider}/${entityType}`;
  const data = asRecord(image.data);
  const bytes = Buffer.byteLength(JSON.stringify(data));
  const base = { type: "update", topic, change: CHANGE[record.eventName], at: changedAt(record) } as const;
  return {
    tenantId,
    topic,
    message:
      bytes <= MAX_INLINE_DATA_BYTES
        ? { ...base, entity: { type: entityType, id: String(image.sk), data } }
        : {
            ...base,
            entity: { type: entityType, id: String(image.sk) },
            dataOmitted: { reason: "too_large", bytes },
          },
  };
}

/**
 * The largest entity data an `update` carries inline: API Gateway refuses WebSocket messages over
 * 128 KB, and the message's own fields and escaping need room. Entities may be stored up to
 * 350 KB, so a larger change is announced without its data rather than never delivered.
 */
export const MAX_INLINE_DATA_BYTES = 96 * 1024;

function jobChange(record: DataChangeRecord, parts: string[]): TenantMessage | undefined {
  // A removed job record is retention (TTL) at work, not a change in the job.
  if (record.eventName === "REMOVE" || !record.newImage) return undefined;
  const [tenantId, ...jobIdParts] = parts;
  if (!tenantId || jobIdParts.length === 0 || record.newImage.sk !== "JOB") return undefined;
  return { tenantId, topic: JOBS_TOPIC, message: { type: "job", job: jobRecordFromItem(record.newImage) } };
}

function changedAt(record: DataChangeRecord): string {
  const updatedAt = record.newImage?.updatedAt;
  if (record.eventName !== "REMOVE" && typeof updatedAt === "string") return updatedAt;
  if (record.approximateCreationDateTime !== undefined) {
    return new Date(record.approximateCreationDateTime * 1000).toISOString();
  }
  return new Date().toISOString();
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
