import type { _Record, AttributeValue } from "@aws-sdk/client-dynamodb-streams";
import { describe, expect, it } from "vitest";
import { jobUpdates } from "../../../local/run/job-tap.ts";
import { createJobWatch, watchRateLimits } from "../../../local/run/job-watch.ts";

/** A job item as the data table's stream carries it (the streams client reads `{"M":{}}` as `{}`). */
function jobImage(status: string, updatedAt: string, extra: Record<string, AttributeValue> = {}) {
  return {
    pk: { S: "JOB#default#m-1a2b3c4d" },
    sk: { S: "JOB" },
    jobId: { S: "m-1a2b3c4d" },
    tenantId: { S: "default" },
    provider: { S: "openf1" },
    syncType: { S: "meetings" },
    priority: { S: "high" },
    source: { S: "manual" },
    params: {} as AttributeValue,
    status: { S: status },
    attempts: { N: "0" },
    deferrals: { N: "0" },
    createdAt: { S: "2026-12-02T12:03:03.000Z" },
    updatedAt: { S: updatedAt },
    expiresAt: { N: "1799000000" },
    ...extra,
  } satisfies Record<string, AttributeValue>;
}

function streamRecord(
  eventName: "INSERT" | "MODIFY" | "REMOVE",
  images: { NewImage?: Record<string, AttributeValue>; OldImage?: Record<string, AttributeValue> },
  pk = "JOB#default#m-1a2b3c4d",
): _Record {
  return { eventName, dynamodb: { Keys: { pk: { S: pk }, sk: { S: "JOB" } }, ...images } };
}

describe("jobUpdates", () => {
  it("reads job records from the stream, as callers see them", () => {
    // Prepare
    const inserted = streamRecord("INSERT", { NewImage: jobImage("queued", "2026-12-02T12:03:04.000Z") });

    // Act
    const [update, ...rest] = jobUpdates([inserted]);

    // Assess
    expect(rest).toEqual([]);
    expect(update?.previous).toBeUndefined();
    expect(update?.current).toMatchObject({ jobId: "m-1a2b3c4d", status: "queued", attempts: 0, params: {} });
    // Pacer's bookkeeping is not part of the record.
    expect(update?.current).not.toHaveProperty("pk");
    expect(update?.current).not.toHaveProperty("expiresAt");
  });

  it("pairs a change with the record before it, and skips entities and removals", () => {
    // Prepare
    const modified = streamRecord("MODIFY", {
      OldImage: jobImage("queued", "2026-12-02T12:03:04.000Z"),
      NewImage: jobImage("running", "2026-12-02T12:03:05.000Z"),
    });
    const entity = streamRecord("INSERT", { NewImage: { pk: { S: "ENT#default#openf1#meeting" } } }, "ENT#x");
    const expired = streamRecord("REMOVE", { OldImage: jobImage("succeeded", "2026-12-02T12:03:06.000Z") });

    // Act
    const updates = jobUpdates([entity, modified, expired]);

    // Assess
    expect(updates.map((u) => [u.previous?.status, u.current.status])).toEqual([["queued", "running"]]);
  });
});

describe("createJobWatch", () => {
  it("tells each write once, however often the stream shows it", () => {
    // Prepare
    const lines: string[] = [];
    const watch = createJobWatch({ write: (line) => lines.push(line), defaultTenant: "default" });
    const [update] = jobUpdates([
      streamRecord("INSERT", { NewImage: jobImage("queued", "2026-12-02T12:03:04.000Z") }),
    ]);

    // Act: read again after an outage, with fresh iterators.
    if (update) {
      watch.update(update);
      watch.update(update);
    }

    // Assess
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("openf1/meetings");
    expect(lines[0]).toContain("queued");
  });

  it("leaves out writes from before the watch started (a kept database's stream replays them)", () => {
    const lines: string[] = [];
    const watch = createJobWatch({
      write: (line) => lines.push(line),
      defaultTenant: "default",
      since: Date.parse("2026-12-02T13:00:00.000Z"),
    });
    const [old] = jobUpdates([
      streamRecord("INSERT", { NewImage: jobImage("queued", "2026-12-02T12:03:04.000Z") }),
    ]);

    if (old) watch.update(old);

    expect(lines).toEqual([]);
  });

  it("is caught up once it has seen the jobs finish", { timeout: 5_000 }, async () => {
    // Prepare
    const watch = createJobWatch({ write: () => undefined, defaultTenant: "default" });
    const [finished] = jobUpdates([
      streamRecord("MODIFY", {
        OldImage: jobImage("running", "2026-12-02T12:03:05.000Z"),
        NewImage: jobImage("succeeded", "2026-12-02T12:03:06.000Z"),
      }),
    ]);

    // Act
    if (finished) watch.update(finished);

    // Assess: without the job seen finished, this would wait out its minute and time the test out.
    await expect(watch.caughtUp(["m-1a2b3c4d"], 60_000)).resolves.toBeUndefined();
  });
});

describe("watchRateLimits", () => {
  it("tells the 429s a fake answered since the last look", () => {
    // Prepare
    let rateLimited = 1;
    const lines: string[] = [];
    const stop = watchRateLimits({
      fakes: { openf1: { stats: () => ({ rateLimited }) } },
      write: (line) => lines.push(line),
      everyMs: 60_000,
    });

    // Act: two more; stopping takes a last look.
    rateLimited = 3;
    stop();

    // Assess: the one before the watch started is not told again.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("429");
    expect(lines[0]).toContain("refused 2 calls over its limit (3 so far)");
  });
});
