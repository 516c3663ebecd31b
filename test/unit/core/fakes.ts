import type { Priority } from "#catalog/types.ts";
import type { ConnectionRecord, Credentials } from "#core/connections/types.ts";
import { contentHash } from "#core/content-hash.ts";
import { type ActiveJobs, type SyncSubject, subjectKey, subjectOf } from "#core/enqueue.ts";
import type { JobMessageInput, JobRecord } from "#core/job.ts";
import type { JobQueue, QueueRef } from "#core/job-queue.ts";
import type { Limiter, LimitUsage, PermitDecision, PermitRequest } from "#core/limiter/types.ts";
import type { EntityWriter, JobRecords, ResumeState, RunConnections, SyncState } from "#core/sync-job.ts";
import type { Entity, EntityRef, PushLedger } from "#providers/types.ts";

/** In-memory stand-ins at the adapter boundary, shared by the use-case tests. */

export class MemoryJobs implements JobRecords, ActiveJobs {
  readonly records = new Map<string, JobRecord>();
  /** Per subject (tenant and subjectKey): its claim and last success, as the JobStore keeps them. */
  readonly subjects = new Map<
    string,
    { activeJobId?: string; activeUntil?: number; lastSuccessAt?: string }
  >();
  /** The clock subjectStatus reads claims' expiry by. */
  now: () => number = Date.now;
  async claimSubject(subject: SyncSubject, jobId: string, now: number, expiresAt: number) {
    const key = `${subject.tenantId}/${subjectKey(subject)}`;
    const held = this.subjects.get(key) ?? {};
    if (held.activeJobId !== undefined && held.activeJobId !== jobId && (held.activeUntil ?? 0) >= now) {
      return { claimed: false as const, holder: held.activeJobId };
    }
    this.subjects.set(key, { ...held, activeJobId: jobId, activeUntil: expiresAt });
    return { claimed: true as const };
  }
  async releaseSubject(subject: SyncSubject, jobId: string) {
    const key = `${subject.tenantId}/${subjectKey(subject)}`;
    const held = this.subjects.get(key);
    if (held?.activeJobId === jobId) this.subjects.set(key, { lastSuccessAt: held.lastSuccessAt });
  }
  async subjectStatus(
    tenantId: string,
    connectionId: string,
    syncType: string,
    params: Readonly<Record<string, string>>,
  ) {
    const held = this.subjects.get(`${tenantId}/${subjectKey({ connectionId, syncType, params })}`) ?? {};
    const active = held.activeJobId !== undefined && (held.activeUntil ?? 0) >= this.now();
    return {
      ...(active ? { activeJobId: held.activeJobId } : {}),
      ...(held.lastSuccessAt === undefined ? {} : { lastSuccessAt: held.lastSuccessAt }),
    };
  }
  async raisePriority(tenantId: string, jobId: string, priority: Priority) {
    const r = await this.get(tenantId, jobId);
    if (r?.status !== "queued" || r.attempts > 0 || r.deferrals > 0) return undefined;
    const raised = { ...r, priority };
    this.records.set(jobId, raised);
    return raised;
  }
  async create(record: JobRecord) {
    if (this.records.has(record.jobId)) return false;
    this.records.set(record.jobId, record);
    return true;
  }
  async get(_tenantId: string, jobId: string) {
    const r = this.records.get(jobId);
    return r && r.tenantId === _tenantId ? r : undefined;
  }
  /** Where each open job's message stands, as the sweep would read it. */
  readonly queueStates = new Map<string, { dueAt: string; pendingMessage?: string; queuedAs?: string }>();
  /** When set, the next transitions throw it (Pacer's own table failing). */
  failWith: Error | undefined;
  /** What each open job keeps between its legs. */
  readonly resumes = new Map<string, ResumeState>();
  /** When set, the transition recording a page with this checkpoint throws (a crash mid-leg). */
  crashOnCheckpoint: ((resume: ResumeState) => boolean) | undefined;
  async transition(
    job: Pick<JobRecord, "jobId">,
    patch: Partial<JobRecord> & Pick<JobRecord, "status" | "updatedAt">,
    queue?: { dueAt: string; pendingMessage?: string; queuedAs?: string; expect?: string },
    resume?: ResumeState,
  ) {
    if (this.failWith) throw this.failWith;
    if (resume && this.crashOnCheckpoint?.(resume))
      throw new Error("crashed before the checkpoint was stored");
    const current = this.records.get(job.jobId);
    if (!current || !["queued", "deferred", "running"].includes(current.status)) return undefined;
    const queuedAs = this.queueStates.get(job.jobId)?.queuedAs;
    if (queue?.expect !== undefined && queuedAs !== undefined && queuedAs !== queue.expect) return undefined;
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const next = { ...current, ...defined } as JobRecord;
    this.records.set(job.jobId, next);
    if (!["queued", "deferred", "running"].includes(next.status)) {
      this.queueStates.delete(job.jobId);
      this.resumes.delete(job.jobId);
      // As the JobStore does: a job's end clears its claim; a success is its subject's last.
      const key = `${next.tenantId}/${subjectKey(subjectOf(next))}`;
      const succeededAt = next.dataAsOf ?? next.finishedAt ?? next.updatedAt;
      const last = this.subjects.get(key)?.lastSuccessAt;
      if (next.status === "succeeded" && (last === undefined || last < succeededAt)) {
        this.subjects.set(key, { ...this.subjects.get(key), lastSuccessAt: succeededAt });
      }
      await this.releaseSubject(subjectOf(next), next.jobId);
    } else {
      if (queue) {
        const { expect: _expect, ...state } = queue;
        this.queueStates.set(job.jobId, { ...this.queueStates.get(job.jobId), ...state });
      }
      if (resume) this.resumes.set(job.jobId, resume);
    }
    return next;
  }
  async start(
    job: Pick<JobRecord, "jobId">,
    patch: Partial<JobRecord> & Pick<JobRecord, "status" | "updatedAt">,
    queue: { dueAt: string; pendingMessage?: string; queuedAs?: string; expect?: string },
  ) {
    const record = await this.transition(job, patch, queue);
    return record && { record, resume: this.resumes.get(job.jobId) ?? {} };
  }
  async addChildren(parent: Pick<JobRecord, "jobId">, count: number) {
    const r = this.records.get(parent.jobId);
    if (!r) return;
    const c = r.children ?? { total: 0, succeeded: 0, failed: 0, skipped: 0 };
    this.records.set(parent.jobId, { ...r, children: { ...c, total: c.total + count } });
  }
  async childEnded(parent: Pick<JobRecord, "jobId">, status: "succeeded" | "failed" | "skipped") {
    const r = this.records.get(parent.jobId);
    if (!r) return;
    const c = r.children ?? { total: 0, succeeded: 0, failed: 0, skipped: 0 };
    this.records.set(parent.jobId, { ...r, children: { ...c, [status]: c[status] + 1 } });
  }
  async statuses() {
    return [];
  }
}

export class MemoryEntities implements EntityWriter {
  readonly stored = new Map<string, string>();
  /** Every write that changed something, in order (`type/id`). */
  readonly writes: string[] = [];
  async upsert(_scope: unknown, entities: readonly Entity[]) {
    let written = 0;
    for (const e of entities) {
      const key = `${e.type}/${e.id}`;
      const value = JSON.stringify(e.data);
      if (this.stored.get(key) !== value) {
        written++;
        this.writes.push(key);
      }
      this.stored.set(key, value);
    }
    return { written, unchanged: entities.length - written };
  }
  async remove(_scope: unknown, refs: readonly EntityRef[]) {
    let removed = 0;
    for (const ref of refs) if (this.stored.delete(`${ref.type}/${ref.id}`)) removed++;
    return removed;
  }
  reader() {
    const list = async (type: string) =>
      [...this.stored.entries()]
        .filter(([k]) => k.startsWith(`${type}/`))
        .map(([k, v]) => ({
          type,
          id: k.slice(type.length + 1),
          data: JSON.parse(v) as Record<string, unknown>,
        }));
    return { list, get: async (type: string, id: string) => (await list(type)).find((e) => e.id === id) };
  }
}

export class MemoryQueue implements JobQueue {
  readonly sent: { message: JobMessageInput; delaySeconds?: number }[] = [];
  readonly dead: { body: string; from: QueueRef; reason: { code: string; message: string } }[] = [];
  async send(message: JobMessageInput, options: { delaySeconds?: number } = {}) {
    this.sent.push({ message, delaySeconds: options.delaySeconds });
  }
  async deadLetter(body: string, from: QueueRef, reason: { code: string; message: string }) {
    this.dead.push({ body, from, reason });
  }
}

export class ScriptedLimiter implements Limiter {
  readonly requests: PermitRequest[] = [];
  readonly pauses: number[] = [];
  readonly confirmations: boolean[] = [];
  /** `clock` dates the default grants (a permit usable now), so it must be the test's clock. */
  constructor(
    private readonly decisions: PermitDecision[] = [],
    private readonly clock: () => number = Date.now,
  ) {}
  async confirm() {
    return this.confirmations.shift() ?? true;
  }
  async acquire(request: PermitRequest) {
    this.requests.push(request);
    return this.decisions.shift() ?? { granted: true as const, waitMs: 0, validForMs: 10, at: this.clock() };
  }
  async pause(_scope: unknown, untilMs: number) {
    this.pauses.push(untilMs);
  }
  async usage(): Promise<LimitUsage[]> {
    return [];
  }
}

/** A tenant's connection as the worker reads it. */
export function connection(overrides: Partial<ConnectionRecord> = {}): ConnectionRecord {
  return {
    connectionId: "c-00000000000000000001",
    tenantId: "acme",
    provider: "openf1",
    tier: "free",
    settings: {},
    enabled: true,
    budgetKey: "k-acme",
    schedules: [],
    createdAt: "2026-11-01T00:00:00.000Z",
    updatedAt: "2026-11-01T00:00:00.000Z",
    version: 1,
    ...overrides,
  };
}

export class MemoryConnections implements RunConnections {
  readonly records = new Map<string, ConnectionRecord>();
  constructor(
    records: readonly ConnectionRecord[] = [connection()],
    private readonly secrets: Readonly<Record<string, Credentials>> = {},
  ) {
    for (const r of records) this.records.set(r.connectionId, r);
  }
  async get(tenantId: string, connectionId: string) {
    const r = this.records.get(connectionId);
    return r && r.tenantId === tenantId ? r : undefined;
  }
  async credentials(record: ConnectionRecord) {
    return record.secretName === undefined ? undefined : this.secrets[record.secretName];
  }
}

export class MemoryState implements SyncState {
  readonly watermarks = new Map<string, string>();
  readonly pushed = new Map<string, string>();
  async watermark(tenantId: string, connectionId: string, syncType: string) {
    return this.watermarks.get(`${tenantId}/${connectionId}/${syncType}`);
  }
  async commitWatermark(tenantId: string, connectionId: string, syncType: string, watermark: string) {
    this.watermarks.set(`${tenantId}/${connectionId}/${syncType}`, watermark);
  }
  readonly completed = new Map<string, number>();
  async lastCompleted(tenantId: string, connectionId: string, syncType: string) {
    return this.completed.get(`${tenantId}/${connectionId}/${syncType}`);
  }
  async markCompleted(tenantId: string, connectionId: string, syncType: string, at: number) {
    this.completed.set(`${tenantId}/${connectionId}/${syncType}`, at);
  }
  readonly leases = new Map<string, { holder: string; until: number; again: boolean }>();
  async claimPush(
    tenantId: string,
    connectionId: string,
    flight: string,
    jobId: string,
    now: number,
    until: number,
  ) {
    const key = `${tenantId}/${connectionId}/${flight}`;
    const held = this.leases.get(key);
    if (held && held.holder !== jobId && held.until >= now) {
      held.again = true;
      return { claimed: false as const, holder: held.holder };
    }
    this.leases.set(key, { holder: jobId, until, again: held?.again ?? false });
    return { claimed: true as const };
  }
  async pushTurnedAway(tenantId: string, connectionId: string, flight: string, jobId: string) {
    const held = this.leases.get(`${tenantId}/${connectionId}/${flight}`);
    return held?.holder === jobId && held.again;
  }
  async releasePush(tenantId: string, connectionId: string, flight: string, jobId: string) {
    const key = `${tenantId}/${connectionId}/${flight}`;
    if (this.leases.get(key)?.holder === jobId) this.leases.delete(key);
  }
  pushLedger(tenantId: string, connectionId: string): PushLedger {
    const key = (type: string, id: string) => `${tenantId}/${connectionId}/${type}/${id}`;
    return {
      changed: async (type, id, data) => this.pushed.get(key(type, id)) !== contentHash(data),
      remember: async (type, id, data) => {
        this.pushed.set(key(type, id), contentHash(data));
      },
    };
  }
}
