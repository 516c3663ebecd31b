import type { JobRecord } from "#core/job.ts";

/** A queued manual OpenF1 job record for tenant `acme`'s connection; tests override what they are about. */
export function aJobRecord(overrides: Partial<JobRecord> = {}): JobRecord {
  const at = overrides.createdAt ?? "2026-12-01T11:00:00.000Z";
  return {
    jobId: "m-1",
    tenantId: "acme",
    connectionId: "c-00000000000000000001",
    provider: "openf1",
    syncType: "sessions",
    priority: "high",
    source: "manual",
    params: {},
    status: "queued",
    attempts: 0,
    deferrals: 0,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}
