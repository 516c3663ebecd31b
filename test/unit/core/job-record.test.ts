import { describe, expect, it } from "vitest";
import { JobRecordSchema } from "#core/api/schemas.ts";
import { jobRecordFromItem } from "#core/job.ts";

/** A job item as the table holds it: written by a Pacer that did not count pushes yet. */
const storedBeforePushesWereCounted = {
  pk: "TENANT#acme",
  sk: "JOB#m-1",
  expiresAt: 1_800_000_000,
  jobId: "m-1",
  tenantId: "acme",
  connectionId: "c-00000000000000000001",
  provider: "chronotrack",
  syncType: "participants",
  priority: "normal",
  source: "fanout",
  params: { eventId: "90001" },
  status: "succeeded",
  attempts: 1,
  deferrals: 0,
  counts: { pages: 1, fetched: 0, written: 0, unchanged: 0, removed: 0 },
  createdAt: "2026-11-29T12:00:00.000Z",
  updatedAt: "2026-11-29T12:00:05.000Z",
  finishedAt: "2026-11-29T12:00:05.000Z",
};

describe("jobRecordFromItem", () => {
  it("reads a job recorded before pushes were counted as having pushed nothing, as GET /jobs/{id} documents", () => {
    // Act
    const record = jobRecordFromItem(storedBeforePushesWereCounted);

    // Assess
    expect(record.counts).toEqual({ pages: 1, fetched: 0, written: 0, unchanged: 0, removed: 0, pushed: 0 });
    expect(JobRecordSchema.safeParse(record).success).toBe(true);
  });

  it("shows a registration job's race counts as stored", () => {
    // Prepare
    const race = { events: 1, pulled: 3, matched: 1, merged: 1, unchanged: 2, conflicts: 0 };

    // Act
    const record = jobRecordFromItem({ ...storedBeforePushesWereCounted, syncType: "registrants", race });

    // Assess
    expect(record.race).toEqual(race);
    expect(JobRecordSchema.safeParse(record).success).toBe(true);
  });
});
