import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { BatchGetCommand, GetCommand, PutCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { LimitDef } from "#catalog/types.ts";
import { Batches } from "#core/limiter/batches.ts";
import {
  CONFIRM_LEAD_MS,
  defaultPolicy,
  earliestSlot,
  HOLD_KEPT_MS,
  type Hold,
  type LimitLog,
  type LimitPolicy,
  place,
  prune,
  release,
  stillHeld,
  TAKEOVER_GUARD_MS,
  TIMER_SLACK_MS,
  takeOver,
  takeoverCandidate,
  validForMs,
} from "#core/limiter/sliding-log.ts";
import type { Limiter, LimitUsage, PermitDecision, PermitRequest } from "#core/limiter/types.ts";
import { isConditionalCheckFailed } from "./dynamo-util.ts";

export interface DynamoLimiterOptions {
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;
  readonly policy?: LimitPolicy;
  readonly clock?: () => number;
  /** Optimistic-concurrency retries before answering "try again shortly". */
  readonly maxContentionRetries?: number;
}

type Scope = Omit<PermitRequest, "permits" | "priority" | "maxWaitMs" | "release">;

/** Where one request of a batch went: granted (perhaps by taking a reservation over), or refused. */
type Granted = { readonly decision: PermitDecision & { readonly granted: true }; readonly takeover?: Hold };
type Placement = Granted | { readonly refused: PermitDecision & { readonly granted: false } };

/** One item per provider and scope key: the logs and pauses of all its limits of that scope. */
interface ScopeItem {
  readonly pk: string;
  /** undefined: the item does not exist yet. */
  readonly version: number | undefined;
  readonly logs: Record<string, number[]>;
  /** Of each limit's log, the grants of high work. */
  readonly highLogs: Record<string, number[]>;
  readonly pauses: Record<string, number>;
  /**
   * Displaceable reservations, by the set of limits they were taken under (see signatureOf),
   * flattened: [at, token, at, token, …]. High work may only take over a reservation made under
   * exactly its own limits: the moment stays in those limits' logs and nowhere else.
   */
  readonly holds: Record<string, number[]>;
}

/** The limits a request is taken under, as one string: `per-minute,per-second`. */
const signatureOf = (scope: Scope) =>
  scope.limits
    .map((l) => l.id)
    .sort()
    .join(",");

const scopeKey = (scope: Scope, limit: LimitDef) =>
  `LIM#${scope.provider}#${limit.scope === "global" ? "*" : scope.tenantId}`;

/**
 * The shared limiter on DynamoDB. All of a provider's limits of one scope (global, or one
 * tenant's) live in one item, so a grant under several limits at once is one conditional write
 * of about one write unit: read the item, find the earliest moment every limit allows, write the
 * logs back under a version condition. Concurrent workers can never both take the last permit,
 * and no permit is consumed when another limit refuses. Permits may be reserved ahead
 * (`maxWaitMs`), so concurrent callers queue on distinct moments instead of racing for one.
 */
export class DynamoLimiter implements Limiter {
  private readonly policy: LimitPolicy;
  private readonly clock: () => number;

  constructor(private readonly options: DynamoLimiterOptions) {
    this.policy = options.policy ?? defaultPolicy;
    this.clock = options.clock ?? Date.now;
  }

  async acquire(request: PermitRequest): Promise<PermitDecision> {
    const keys = [...new Set(request.limits.map((limit) => scopeKey(request, limit)))].sort().join("|");
    return this.batches.run(keys, request);
  }

  /** This process's callers of one item, served a batch at a time: one read, one write. */
  private readonly batches = new Batches<PermitRequest, PermitDecision>((_, batch) => this.serve(batch));

  /**
   * Answers a batch of requests on the same item(s): reads once, places each request in turn (high
   * priority first) on the logs as the ones before it left them, and writes once under the version
   * condition — again from a fresh read if another process wrote first.
   */
  private async serve(batch: readonly PermitRequest[]): Promise<PermitDecision[]> {
    const retries = this.options.maxContentionRetries ?? 12;
    const decisions: (PermitDecision | undefined)[] = batch.map(() => undefined);
    // Still to answer, each with the permits it gives back (freed with the next write).
    let pending = batch.map((request, index) => ({ request, index, giveBack: request.release }));
    for (let attempt = 0; attempt <= retries && pending.length > 0; attempt++) {
      const first = pending[0] as (typeof pending)[number];
      const items = await this.read(first.request);
      const now = this.clock();
      for (const { request, giveBack } of pending) {
        if (giveBack)
          this.store(
            items,
            request,
            this.logsOf(items, request, now).map((log) =>
              release(log, giveBack.at, giveBack.permits, request.priority === "high"),
            ),
          );
      }
      const placed: ((typeof pending)[number] & { placement: Granted })[] = [];
      for (const entry of pending) {
        const placement = this.place(items, entry.request, now);
        if ("refused" in placement) decisions[entry.index] = placement.refused;
        else placed.push({ ...entry, placement });
      }
      if (placed.length === 0) break;
      if (!(await this.write([...items.values()]))) {
        // Lost a race to another process: back off, jittered and growing — high work only briefly.
        const urgent = placed.some((p) => p.request.priority === "high");
        await new Promise((r) => setTimeout(r, backoffMs(urgent ? "high" : "low", attempt)));
        pending = placed;
        continue;
      }
      const writtenAt = this.clock();
      pending = [];
      for (const { index, request, placement } of placed) {
        // A takeover counts only if it was written before the holder looked (see TAKEOVER_GUARD_MS);
        // otherwise the holder may call, so this permit is given back and the next reservation tried.
        if (placement.takeover && writtenAt >= placement.takeover.at - CONFIRM_LEAD_MS - TIMER_SLACK_MS)
          pending.push({ request, index, giveBack: { at: placement.decision.at, permits: 1 } });
        else decisions[index] = placement.decision;
      }
    }
    return decisions.map(
      (decision) => decision ?? { granted: false, retryAfterMs: 20 + Math.floor(Math.random() * 30) },
    );
  }

  /**
   * Places one request on the logs in `items` (changing them) and says when it may call — or,
   * changing nothing, how long until it could.
   */
  private place(items: Map<string, ScopeItem>, request: PermitRequest, now: number): Placement {
    const logs = this.logsOf(items, request, now);
    let slot = earliestSlot({ ...request, logs, now, policy: this.policy });
    const takeover =
      request.priority === "high" && request.permits === 1 && slot > now
        ? takeoverCandidate(logs, now, slot)
        : undefined;
    if (takeover) slot = takeover.at;
    if (slot - now > (request.maxWaitMs ?? 0))
      return { refused: { granted: false, retryAfterMs: Math.max(1, slot - now) } };
    const hold: Hold | undefined =
      request.priority !== "high" && slot - now >= TAKEOVER_GUARD_MS
        ? { at: slot, token: Math.floor(Math.random() * 2 ** 30) + 1 }
        : undefined;
    this.store(
      items,
      request,
      logs.map((log) =>
        takeover
          ? place(takeOver(log, takeover), 1, slot, { high: true })
          : place(log, request.permits, slot, { hold, high: request.priority === "high" }),
      ),
    );
    return {
      decision: {
        granted: true,
        at: slot,
        waitMs: Math.max(0, slot - now),
        validForMs: validForMs(request.limits, this.policy),
        ...(hold ? { hold } : {}),
      },
      ...(takeover ? { takeover } : {}),
    };
  }

  /** The request's logs (one per limit, in its order) as `items` hold them now. */
  private logsOf(items: Map<string, ScopeItem>, request: PermitRequest, now: number): LimitLog[] {
    return request.limits.map((limit) => this.logOf(items, request, limit, now));
  }

  /** Puts the request's changed logs (one per limit, in its order) back into `items`. */
  private store(items: Map<string, ScopeItem>, request: PermitRequest, logs: readonly LimitLog[]): void {
    request.limits.forEach((limit, i) => {
      const next = logs[i] as LimitLog;
      const item = items.get(scopeKey(request, limit)) as ScopeItem;
      item.logs[limit.id] = [...next.grants];
      item.highLogs[limit.id] = [...(next.high ?? [])];
      item.holds[signatureOf(request)] = (next.holds ?? []).flatMap((h) => [h.at, h.token]);
    });
  }

  async confirm(scope: Scope, hold: Hold): Promise<boolean> {
    const items = await this.read(scope);
    const now = this.clock();
    return scope.limits.every((limit) => stillHeld(this.logOf(items, scope, limit, now), hold));
  }

  async pause(scope: Scope, untilMs: number): Promise<void> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const items = await this.read(scope);
      let changed = false;
      for (const limit of scope.limits) {
        const item = items.get(scopeKey(scope, limit)) as ScopeItem;
        if ((item.pauses[limit.id] ?? 0) < untilMs) {
          item.pauses[limit.id] = untilMs;
          changed = true;
        }
      }
      if (!changed || (await this.write([...items.values()]))) return;
    }
    throw new Error("could not record the provider's pause: too much contention on the limiter");
  }

  async usage(scope: Scope): Promise<LimitUsage[]> {
    const items = await this.read(scope);
    const now = this.clock();
    return scope.limits.map((limit) => {
      const log = this.logOf(items, scope, limit, now);
      const pausedUntil = log.pausedUntil;
      return {
        limitId: limit.id,
        scope: limit.scope,
        calls: limit.calls,
        perMs: limit.perMs,
        used: log.grants.filter((t) => t > now - limit.perMs && t <= now).length,
        reserved: log.grants.filter((t) => t > now).length,
        ...(pausedUntil !== undefined && pausedUntil > now
          ? { pausedUntil: new Date(pausedUntil).toISOString() }
          : {}),
      };
    });
  }

  private logOf(items: Map<string, ScopeItem>, scope: Scope, limit: LimitDef, now: number): LimitLog {
    const item = items.get(scopeKey(scope, limit));
    const flat = item?.holds[signatureOf(scope)] ?? [];
    const holds: Hold[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2)
      holds.push({ at: flat[i] as number, token: flat[i + 1] as number });
    const log = {
      grants: item?.logs[limit.id] ?? [],
      high: item?.highLogs[limit.id] ?? [],
      pausedUntil: item?.pauses[limit.id],
      holds,
    };
    return prune(log, limit, now, this.policy);
  }

  private async read(scope: Scope): Promise<Map<string, ScopeItem>> {
    const keys = [...new Set(scope.limits.map((limit) => scopeKey(scope, limit)))];
    let raw: Record<string, unknown>[];
    if (keys.length === 1) {
      const result = await this.options.client.send(
        new GetCommand({ TableName: this.options.tableName, Key: { pk: keys[0] }, ConsistentRead: true }),
      );
      raw = result.Item ? [result.Item] : [];
    } else {
      const result = await this.options.client.send(
        new BatchGetCommand({
          RequestItems: {
            [this.options.tableName]: { Keys: keys.map((pk) => ({ pk })), ConsistentRead: true },
          },
        }),
      );
      if (Object.keys(result.UnprocessedKeys ?? {}).length > 0) throw new Error("limiter read was throttled");
      raw = result.Responses?.[this.options.tableName] ?? [];
    }
    const byKey = new Map(raw.map((item) => [String(item.pk), item]));
    return new Map(
      keys.map((pk) => {
        const item = byKey.get(pk);
        return [
          pk,
          {
            pk,
            version: item ? Number(item.v) : undefined,
            logs: unpackLogs(item?.l, Number(item?.b)),
            highLogs: unpackLogs(item?.hl, Number(item?.b)),
            pauses: { ...((item?.p as Record<string, number> | undefined) ?? {}) },
            holds: Object.fromEntries(
              Object.entries((item?.h as Record<string, Uint8Array> | undefined) ?? {}).map(
                ([sig, bytes]) => [sig, unpackHolds(bytes, Number(item?.b))],
              ),
            ),
          },
        ];
      }),
    );
  }

  /** Writes the items back if no other writer changed any of them since they were read. */
  private async write(items: readonly ScopeItem[]): Promise<boolean> {
    const now = this.clock();
    const puts = items.map((item) => ({
      TableName: this.options.tableName,
      Item: {
        pk: item.pk,
        v: (item.version ?? 0) + 1,
        b: now,
        l: Object.fromEntries(Object.entries(item.logs).map(([id, times]) => [id, pack(times, now)])),
        hl: Object.fromEntries(
          Object.entries(item.highLogs)
            .filter(([, times]) => times.length > 0)
            .map(([id, times]) => [id, pack(times, now)]),
        ),
        p: item.pauses,
        h: Object.fromEntries(
          Object.entries(item.holds)
            .map(([sig, flat]) => [sig, currentPairs(flat, now)] as const)
            .filter(([, flat]) => flat.length > 0)
            .map(([sig, flat]) => [sig, packHolds(flat, now)]),
        ),
        expiresAt: this.expiry(item, now),
      },
      ConditionExpression: item.version === undefined ? "attribute_not_exists(pk)" : "v = :v",
      ...(item.version === undefined ? {} : { ExpressionAttributeValues: { ":v": item.version } }),
    }));
    try {
      if (puts.length === 1) await this.options.client.send(new PutCommand(puts[0] as (typeof puts)[0]));
      else
        await this.options.client.send(
          new TransactWriteCommand({ TransactItems: puts.map((Put) => ({ Put })) }),
        );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** An item is worthless a day after its last grant or pause; TTL removes it. */
  private expiry(item: ScopeItem, now: number): number {
    const latest = Math.max(now, ...Object.values(item.logs).flat(), ...Object.values(item.pauses));
    return Math.ceil(latest / 1000) + 86_400;
  }
}

/** After a lost race: about a round trip, fully jittered, growing; a few ms for high work. */
function backoffMs(priority: PermitRequest["priority"], attempt: number): number {
  return priority === "high"
    ? 1 + Math.random() * Math.min(20, 4 * 2 ** attempt)
    : 5 + Math.random() * Math.min(200, 20 * 2 ** attempt);
}

/*
 * Logs are stored as little-endian Int32 offsets (ms) from the item's base time `b`: four bytes a
 * grant instead of a dozen for a DynamoDB number in a list, which keeps an item of a few dozen
 * grants under the 1 KB of one write unit. Offsets cover ±24 days around the base.
 */
function pack(times: readonly number[], base: number): Uint8Array {
  const view = new DataView(new ArrayBuffer(times.length * 4));
  for (const [i, t] of times.entries()) view.setInt32(i * 4, t - base, true);
  return new Uint8Array(view.buffer);
}

function unpack(bytes: Uint8Array | undefined, base: number): number[] {
  if (!bytes || bytes.length === 0) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: Math.floor(bytes.length / 4) }, (_, i) => base + view.getInt32(i * 4, true));
}

function unpackLogs(attribute: unknown, base: number): Record<string, number[]> {
  return Object.fromEntries(
    Object.entries((attribute as Record<string, Uint8Array> | undefined) ?? {}).map(([id, bytes]) => [
      id,
      unpack(bytes, base),
    ]),
  );
}

/** The (at, token) pairs a holder may still confirm (see HOLD_KEPT_MS). */
function currentPairs(flat: readonly number[], now: number): number[] {
  const kept: number[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    if ((flat[i] as number) > now - HOLD_KEPT_MS) kept.push(flat[i] as number, flat[i + 1] as number);
  }
  return kept;
}

/** Holds as (offset, token) pairs: the token is stored as is, only moments are offset. */
function packHolds(flat: readonly number[], base: number): Uint8Array {
  return pack(
    flat.map((v, i) => (i % 2 === 0 ? v : v + base)),
    base,
  );
}

function unpackHolds(bytes: Uint8Array | undefined, base: number): number[] {
  return unpack(bytes, base).map((v, i) => (i % 2 === 0 ? v : v - base));
}
