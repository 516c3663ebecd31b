import type {
  Approval,
  ApproveOutcome,
  PublicationRecord,
  PublicationStore,
  StoredDiff,
} from "#core/race/publications.ts";
import type { ResultKind } from "#providers/race/shapes.ts";

/** Publications in memory, with the adapter's rules: one approval per head, a tenant's own only. */
export class MemoryPublicationStore implements PublicationStore {
  readonly records = new Map<string, PublicationRecord>();
  readonly diffs = new Map<string, readonly StoredDiff[]>();
  readonly heads = new Map<string, string>();
  private key = (tenantId: string, eventId: string, id: string) => `${tenantId}|${eventId}|${id}`;

  async create(record: PublicationRecord, diff: readonly StoredDiff[]) {
    const key = this.key(record.tenantId, record.eventId, record.publicationId);
    this.diffs.set(key, structuredClone(diff));
    this.records.set(key, structuredClone(record));
  }
  async get(tenantId: string, eventId: string, publicationId: string) {
    const record = this.records.get(this.key(tenantId, eventId, publicationId));
    return record && structuredClone(record);
  }
  async list(tenantId: string, eventId: string) {
    return [...this.records.values()].filter((r) => r.tenantId === tenantId && r.eventId === eventId);
  }
  async diff(tenantId: string, eventId: string, publicationId: string) {
    return structuredClone([...(this.diffs.get(this.key(tenantId, eventId, publicationId)) ?? [])]);
  }
  async head(tenantId: string, eventId: string, kind: ResultKind) {
    return this.heads.get(this.key(tenantId, eventId, kind));
  }
  async approve(record: PublicationRecord & { approval: Approval }): Promise<ApproveOutcome> {
    const key = this.key(record.tenantId, record.eventId, record.publicationId);
    if (this.records.get(key)?.status !== "prepared") return "not-prepared";
    const headKey = this.key(record.tenantId, record.eventId, record.kind);
    if (this.heads.get(headKey) !== record.basedOn) return "stale";
    this.records.set(key, structuredClone(record));
    this.heads.set(headKey, record.publicationId);
    return "approved";
  }
}
