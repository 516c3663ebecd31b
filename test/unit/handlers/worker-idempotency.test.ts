import { describe, expect, it } from "vitest";
import { scheduledJobId } from "#core/job.ts";
import { idempotencyKeyOf } from "#handlers/worker.ts";

const scheduled = {
  tenantId: "acme",
  connectionId: "c-00000000000000000001",
  provider: "openf1",
  syncType: "weather",
  priority: "normal",
  source: "schedule",
  scheduledAt: "2026-12-01T12:00:00Z",
  slot: 1,
};
const key = (body: unknown) => idempotencyKeyOf({ body: JSON.stringify(body), messageId: "msg-1" });

describe("idempotencyKeyOf", () => {
  it("keys a scheduled slot's own message like any later message for the same job and counters", () => {
    const jobId = scheduledJobId({ ...scheduled, slot: 1 });
    // The sweep re-sends the recorded message, which carries the derived job id.
    expect(key(scheduled)).toBe(key({ ...scheduled, jobId, attempts: 0, deferrals: 0 }));
    expect(key(scheduled)).toBe(`${jobId}#0#0`);
  });

  it("gives every re-queue (a failed attempt, a deferral) a new key", () => {
    const base = { ...scheduled, jobId: "m-1", source: "manual" };
    const keys = new Set([key(base), key({ ...base, attempts: 1 }), key({ ...base, deferrals: 1 })]);
    expect(keys.size).toBe(3);
  });

  it("falls back to the message id for a body that is not a job", () => {
    expect(idempotencyKeyOf({ body: "not json", messageId: "msg-1" })).toBe("msg-1");
    expect(key({ hello: "world" })).toBe("msg-1");
  });
});
