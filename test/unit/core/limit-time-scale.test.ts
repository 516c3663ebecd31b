import { describe, expect, it } from "vitest";
import { catalog, findProvider, hours, type LimitDef, limitsForGroup, minutes } from "#catalog/index.ts";
import { parseEnv } from "#core/env.ts";
import { FUNCTIONS, WORKER_ENV } from "#core/functions.ts";
import { scaledCatalog, scaledLimits, scaledProvider, scaledWindowMs } from "#core/limit-time-scale.ts";

const hourly: LimitDef = { id: "hourly", calls: 1, perMs: hours(1), scope: "tenant", reserve: 0 };

describe("scaledWindowMs", () => {
  it("divides a window by the factor: 1 per 60 min at 60 is 1 per 60 s", () => {
    expect(scaledWindowMs(minutes(60), 60)).toBe(60_000);
  });

  it("rounds a fractional window up to a whole millisecond: 1 s at 60 is 17 ms, not 16", () => {
    expect(scaledWindowMs(1_000, 60)).toBe(17);
  });

  it("never goes below 1 ms", () => {
    expect(scaledWindowMs(1_000, 1_000_000)).toBe(1);
  });

  it("leaves a window as it is at factor 1", () => {
    expect(scaledWindowMs(1_234.5, 1)).toBe(1_234.5);
  });

  it.each([0, 0.5, -2, Number.NaN, Number.POSITIVE_INFINITY])("refuses factor %s", (factor) => {
    expect(() => scaledWindowMs(1_000, factor)).toThrow(RangeError);
  });
});

describe("scaledLimits", () => {
  it("scales only the window: calls, scope and reserve stay", () => {
    expect(scaledLimits([hourly], 3_600)).toEqual([{ ...hourly, perMs: 1_000 }]);
  });
});

describe("scaledCatalog", () => {
  it("gives OpenF1's 3/s and 30/min as 3 per 17 ms and 30 per 1 s at factor 60", () => {
    // Prepare
    const scaled = scaledCatalog(catalog, 60);
    // Act
    const openf1 = scaled.providers.find((p) => p.id === "openf1");
    // Assess
    expect(openf1?.limits.map(({ id, calls, perMs }) => ({ id, calls, perMs }))).toEqual([
      { id: "per-second", calls: 3, perMs: 17 },
      { id: "per-minute", calls: 30, perMs: 1_000 },
    ]);
  });

  it("reaches limitsForGroup, as the worker and GET /status take the limits", () => {
    // Prepare
    const openf1 = findProvider("openf1");
    if (!openf1) throw new Error("openf1 is not in the catalog");
    const provider = scaledProvider(openf1, 60);
    // Act
    const limits = limitsForGroup(provider, "api");
    // Assess
    expect(limits.map((l) => l.perMs)).toEqual([17, 1_000]);
  });

  it("keeps cadences: schedules are --speed's business", () => {
    // Prepare
    const openf1 = findProvider("openf1");
    // Act
    const scaled = openf1 && scaledProvider(openf1, 60);
    // Assess
    expect(scaled?.syncTypes).toEqual(openf1?.syncTypes);
  });

  it("is the catalog itself at factor 1", () => {
    expect(scaledCatalog(catalog, 1)).toBe(catalog);
  });
});

describe("PACER_LIMIT_TIME_SCALE", () => {
  it("is 1 when unset, as deployed, for the API and the workers", () => {
    // Prepare
    const source = {
      PACER_DATA_TABLE: "d",
      PACER_LIMITER_TABLE: "l",
      PACER_IDEMPOTENCY_TABLE: "i",
      PACER_QUEUES: "{}",
      PACER_SECRET_PREFIX: "pacer/connections/",
      PACER_FINGERPRINT_KEY_SECRET: "pacer/fingerprint-key",
      PACER_SCHEDULE_GROUP: "pacer-connections",
      PACER_SCHEDULER_ROLE_ARN: "arn:aws:iam::000000000000:role/pacer-scheduler",
    };
    // Act
    const api = parseEnv(FUNCTIONS.api.env, source);
    const worker = parseEnv(WORKER_ENV, source);
    // Assess
    expect([api.limitTimeScale, worker.limitTimeScale]).toEqual([1, 1]);
  });

  it("refuses a factor below 1, naming the variable", () => {
    // Prepare
    const source = {
      PACER_DATA_TABLE: "d",
      PACER_LIMITER_TABLE: "l",
      PACER_QUEUES: "{}",
      PACER_LIMIT_TIME_SCALE: "0.5",
    };
    // Act
    const parse = () => parseEnv(FUNCTIONS.api.env, source);
    // Assess
    expect(parse).toThrow("environment: PACER_LIMIT_TIME_SCALE must be at least 1");
  });
});
