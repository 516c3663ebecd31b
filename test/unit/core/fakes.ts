import type { JobMessageInput, JobRecord } from "#core/job.ts";
import type { JobQueue, QueueRef } from "#core/job-queue.ts";
import type { Limiter, LimitUsage, PermitDecision, PermitRequest } from "#core/limiter/types.ts";
import type { EntityWriter, JobRecords } from "#core/sync-job.ts";
import type { Entity } from "#providers/types.ts";

/** In-memory stand-ins at the adapter boundary, shared by the use-case tests. */

export class MemoryJobs implements JobRecords {
  readonly records = new Map<string, JobRecord>();
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
  async transition(
    job: Pick<JobRecord, "jobId">,
    patch: Partial<JobRecord> & Pick<JobRecord, "status" | "updatedAt">,
    queue?: { dueAt: string; pendingMessage?: string; queuedAs?: string; expect?: string },
  ) {
    if (this.failWith) throw this.failWith;
    const current = this.records.get(job.jobId);
    if (!current || !["queued", "deferred", "running"].includes(current.status)) return undefined;
    const queuedAs = this.queueStates.get(job.jobId)?.queuedAs;
    if (queue?.expect !== undefined && queuedAs !== undefined && queuedAs !== queue.expect) return undefined;
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const next = { ...current, ...defined } as JobRecord;
    this.records.set(job.jobId, next);
    if (!["queued", "deferred", "running"].includes(next.status)) this.queueStates.delete(job.jobId);
    else if (queue) {
      const { expect: _expect, ...state } = queue;
      this.queueStates.set(job.jobId, { ...this.queueStates.get(job.jobId), ...state });
    }
    return next;
  }
  async statuses() {
    return [];
  }
}

export class MemoryEntities implements EntityWriter {
  readonly stored = new Map<string, string>();
  async upsert(_scope: unknown, entities: readonly Entity[]) {
    let written = 0;
    for (const e of entities) {
      const key = `${e.type}/${e.id}`;
      const value = JSON.stringify(e.data);
      if (this.stored.get(key) !== value) written++;
      this.stored.set(key, value);
    }
    return { written, unchanged: entities.length - written };
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
