import type { EntityWriter } from "#core/sync-job/types.ts";
import { type Registrant, registrantId } from "#providers/race/shapes.ts";
import type { Entity } from "#providers/types.ts";

/** Entities by tenant, namespace, type and id, as the entity store keeps them. */
export class NamespacedEntities implements EntityWriter {
  readonly items = new Map<string, Entity>();
  readonly writes: string[] = [];
  key = (tenant: string, ns: string, type: string, id: string) => `${tenant}|${ns}|${type}|${id}`;
  async upsert(scope: { tenantId: string; provider: string }, entities: readonly Entity[]) {
    let written = 0;
    for (const e of entities) {
      const key = this.key(scope.tenantId, scope.provider, e.type, e.id);
      if (JSON.stringify(this.items.get(key)?.data) !== JSON.stringify(e.data)) {
        written++;
        this.writes.push(`${scope.provider}/${e.type}/${e.id}`);
      }
      this.items.set(key, e);
    }
    return { written, unchanged: entities.length - written };
  }
  async remove(scope: { tenantId: string; provider: string }, refs: readonly { type: string; id: string }[]) {
    let removed = 0;
    for (const r of refs)
      if (this.items.delete(this.key(scope.tenantId, scope.provider, r.type, r.id))) removed++;
    return removed;
  }
  reader(tenantId: string, provider: string) {
    const prefix = `${tenantId}|${provider}|`;
    return {
      get: async (type: string, id: string) => this.items.get(this.key(tenantId, provider, type, id)),
      list: async (type: string) =>
        [...this.items.entries()].filter(([k]) => k.startsWith(`${prefix}${type}|`)).map(([, e]) => e),
    };
  }
  seed(tenant: string, provider: string, registrant: Registrant) {
    const id = registrantId(registrant.eventId, registrant.registrationId);
    this.items.set(this.key(tenant, provider, "registrants", id), {
      type: "registrants",
      id,
      data: registrant,
    });
  }
  list(tenant: string, ns: string, type: string) {
    return [...this.items.entries()]
      .filter(([k]) => k.startsWith(`${tenant}|${ns}|${type}|`))
      .map(([, e]) => e.data);
  }
}
