import { describe, expect, it } from "vitest";
import { type Job, JobSchema, parseServerFrame, StatusSchema } from "../../../../local/cli/api-types.ts";
import {
  colourWanted,
  createStyle,
  formatDuration,
  formatRelative,
  renderTable,
} from "../../../../local/cli/format.ts";
import { describeJobState, formatJobBlock } from "../../../../local/cli/job-format.ts";
import { formatLiveFrame } from "../../../../local/cli/live-format.ts";
import { formatStatus } from "../../../../local/cli/status-format.ts";

const plain = createStyle(false);
const fmt = { style: plain, timeZone: "UTC" };
const NOW = Date.parse("2026-12-02T10:00:00.000Z");

function job(fields: Partial<Job>): Job {
  return JobSchema.parse({
    jobId: "m-1",
    tenantId: "default",
    provider: "openf1",
    syncType: "meetings",
    priority: "high",
    source: "manual",
    status: "queued",
    createdAt: "2026-12-02T09:59:50.000Z",
    updatedAt: "2026-12-02T09:59:50.000Z",
    ...fields,
  });
}

describe("colourWanted", () => {
  it("colours a terminal only, and never with NO_COLOR set", () => {
    expect(colourWanted({ isTTY: true }, {})).toBe(true);
    expect(colourWanted({ isTTY: false }, {})).toBe(false);
    expect(colourWanted({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(colourWanted({ isTTY: true }, { NO_COLOR: "" })).toBe(true);
  });

  it("adds escape codes only when enabled", () => {
    expect(createStyle(true).red("x")).toBe("\u001b[31mx\u001b[39m");
    expect(createStyle(false).red("x")).toBe("x");
  });
});

describe("durations", () => {
  it("read the way a person says them", () => {
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(12_340)).toBe("12.3 s");
    expect(formatDuration(2_000)).toBe("2 s");
    expect(formatDuration(245_000)).toBe("4 min 5 s");
    expect(formatDuration(7_380_000)).toBe("2 h 3 min");
    expect(formatRelative(NOW + 12_000, NOW)).toBe("in 12 s");
    expect(formatRelative(NOW - 180_000, NOW)).toBe("3 min ago");
  });
});

describe("describeJobState", () => {
  it("says each state in words, with what an operator needs next", () => {
    expect(describeJobState(job({}), NOW, plain)).toBe("queued (high priority)");
    expect(
      describeJobState(
        job({
          status: "running",
          startedAt: "2026-12-02T09:59:51.000Z",
          updatedAt: "2026-12-02T09:59:51.000Z",
        }),
        NOW,
        plain,
      ),
    ).toBe("running: taking permits");
    expect(
      describeJobState(
        job({
          status: "running",
          attempts: 1,
          startedAt: "2026-12-02T09:59:51.000Z",
          updatedAt: "2026-12-02T09:59:52.000Z",
        }),
        NOW,
        plain,
      ),
    ).toBe("running: calling the provider (attempt 1)");
    expect(
      describeJobState(
        job({ status: "deferred", deferrals: 2, notBefore: "2026-12-02T10:00:12.000Z" }),
        NOW,
        plain,
      ),
    ).toBe("deferred: waiting for a permit of the provider's rate limits (wait #2); next try in 12 s");
    expect(
      describeJobState(
        job({
          status: "queued",
          attempts: 1,
          error: { code: "PROVIDER_UNAVAILABLE", message: "provider answered 503" },
          notBefore: "2026-12-02T10:00:04.000Z",
        }),
        NOW,
        plain,
      ),
    ).toBe("retrying: attempt 1 failed (PROVIDER_UNAVAILABLE: provider answered 503); next try in 4 s");
    expect(
      describeJobState(
        job({ status: "succeeded", durationMs: 1100, counts: { fetched: 24, written: 3, unchanged: 21 } }),
        NOW,
        plain,
      ),
    ).toBe("succeeded in 1.1 s: fetched 24, written 3, unchanged 21");
    expect(describeJobState(job({ status: "skipped", reason: "no live session" }), NOW, plain)).toBe(
      "skipped: no live session",
    );
    expect(
      describeJobState(
        job({ status: "failed", error: { code: "RETRIES_EXHAUSTED", message: "gave up after 5 attempts" } }),
        NOW,
        plain,
      ),
    ).toBe("failed: RETRIES_EXHAUSTED: gave up after 5 attempts");
  });
});

describe("formatJobBlock", () => {
  it("shows every field that is set, times in the zone asked for", () => {
    const text = formatJobBlock(
      job({
        status: "succeeded",
        params: { year: "2024" },
        attempts: 1,
        counts: { fetched: 24, written: 24, unchanged: 0 },
        startedAt: "2026-12-02T09:59:51.000Z",
        finishedAt: "2026-12-02T09:59:52.000Z",
        updatedAt: "2026-12-02T09:59:52.000Z",
        durationMs: 1000,
      }),
      NOW,
      fmt,
    );

    expect(text).toBe(
      [
        "job       m-1",
        "sync      openf1/meetings year=2024",
        "state     succeeded in 1 s: fetched 24, written 24, unchanged 0",
        "tenant    default",
        "priority  high (manual)",
        "attempts  1",
        "counts    fetched 24, written 24, unchanged 0",
        "created   2026-12-02 09:59:50 (10 s ago)",
        "started   2026-12-02 09:59:51 (9 s ago)",
        "finished  2026-12-02 09:59:52 (8 s ago)",
        "updated   2026-12-02 09:59:52 (8 s ago)",
      ].join("\n"),
    );
  });
});

describe("formatStatus", () => {
  it("lays out sync types and limits as aligned tables", () => {
    const status = StatusSchema.parse({
      tenantId: "default",
      providers: [
        {
          provider: "openf1",
          syncTypes: [
            {
              syncType: "meetings",
              cadence: "cron(15 0 * * ? *)",
              lastStatus: "succeeded",
              lastRunAt: "2026-12-02T09:58:00.000Z",
              lastSuccessAt: "2026-12-02T09:58:00.000Z",
              freshnessSeconds: 120,
              pendingJobs: 0,
            },
            {
              syncType: "weather",
              cadence: "every 30 s",
              lastStatus: null,
              lastSuccessAt: null,
              freshnessSeconds: null,
              pendingJobs: 2,
            },
          ],
          limits: [
            {
              limitId: "per-second",
              scope: "global",
              calls: 3,
              perMs: 1000,
              used: 3,
              reserved: 1,
              connectionId: "c-1",
            },
            {
              connectionId: "c-1",
              limitId: "per-minute",
              scope: "global",
              calls: 30,
              perMs: 60_000,
              used: 12,
              reserved: 0,
              pausedUntil: "2026-12-02T10:00:30.000Z",
            },
          ],
        },
      ],
    });

    expect(formatStatus(status, NOW, fmt)).toBe(
      [
        "tenant default",
        "",
        "PROVIDER  SYNC TYPE  CADENCE             LAST RUN   LAST SUCCESS         FRESHNESS  PENDING",
        "openf1    meetings   cron(15 0 * * ? *)  succeeded  2026-12-02 09:58:00  2 min      0",
        "openf1    weather    every 30 s          -          never                -          2",
        "",
        "PROVIDER  CONNECTION  LIMIT       SCOPE   PERMITS USED     RESERVED  PAUSED",
        "openf1    c-1         per-second  global  3/3 per 1 s      1         -",
        "                      per-minute  global  12/30 per 1 min  0         30 s left",
        "",
      ].join("\n"),
    );
  });
});

describe("formatStatus with several connections to a provider", () => {
  it("shows each connection's limits as a block of its own, named on its first row", () => {
    const limit = (connectionId: string, limitId: string, used: number) => ({
      connectionId,
      limitId,
      scope: "tenant",
      calls: 5,
      perMs: 60_000,
      used,
      reserved: 0,
    });
    const status = StatusSchema.parse({
      providers: [
        {
          provider: "zwiftracing",
          syncTypes: [],
          limits: [limit("c-a", "riders", 1), limit("c-b", "riders", 4), limit("c-a", "clubs", 0)],
        },
      ],
    });

    const limitsTable = formatStatus(status, NOW, fmt).trimEnd().split("\n\n").at(-1);

    expect(limitsTable).toBe(
      [
        "PROVIDER     CONNECTION  LIMIT   SCOPE   PERMITS USED   RESERVED  PAUSED",
        "zwiftracing  c-a         riders  tenant  1/5 per 1 min  0         -",
        "                         clubs   tenant  0/5 per 1 min  0         -",
        "zwiftracing  c-b         riders  tenant  4/5 per 1 min  0         -",
      ].join("\n"),
    );
  });
});

describe("renderTable", () => {
  it("pads by visible width, so colours do not skew the columns", () => {
    const colour = createStyle(true);

    const table = renderTable(
      ["A", "B"],
      [
        [colour.red("xx"), "1"],
        ["y", "2"],
      ],
      createStyle(false),
    );

    expect(table.split("\n")).toEqual(["A   B", `${colour.red("xx")}  1`, "y   2"]);
  });
});

describe("formatLiveFrame", () => {
  it("prints an update as time, topic, change, entity and a clipped glimpse of its data", () => {
    const frame = parseServerFrame({
      type: "update",
      topic: "openf1/sessions",
      entity: { type: "sessions", id: "9158", data: { session_name: "Race", detail: "x".repeat(300) } },
      change: "created",
      at: "2026-12-02T09:59:59.000Z",
    });

    const line = formatLiveFrame(frame, NOW, fmt, 100) ?? "";

    expect(line.startsWith('09:59:59  openf1/sessions  created  sessions 9158  {"session_name":"Race"')).toBe(
      true,
    );
    expect(line).toHaveLength(100);
    expect(line.endsWith("…")).toBe(true);
  });

  it("says when an update's data was too large to send", () => {
    const frame = parseServerFrame({
      type: "update",
      topic: "openf1/weather",
      entity: { type: "weather", id: "w1" },
      change: "updated",
      at: "2026-12-02T09:59:59.000Z",
      dataOmitted: { reason: "too_large", bytes: 120 * 1024 },
    });

    expect(formatLiveFrame(frame, NOW, fmt)).toBe(
      "09:59:59  openf1/weather  updated  weather w1  (data omitted: 120 KB, too_large)",
    );
  });

  it("prints a job change with its id and state, and nothing for acknowledgements", () => {
    const frame = parseServerFrame({
      type: "job",
      job: {
        ...job({ status: "failed", error: { code: "PROVIDER_REDIRECT", message: "refused" } }),
        updatedAt: "2026-12-02T09:59:58.000Z",
      },
    });

    expect(formatLiveFrame(frame, NOW, fmt)).toBe(
      "09:59:58  jobs  m-1  openf1/meetings  failed: PROVIDER_REDIRECT: refused",
    );
    expect(formatLiveFrame(parseServerFrame({ type: "pong", at: "x" }), NOW, fmt)).toBeUndefined();
  });
});
