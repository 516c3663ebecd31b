import { describe, expect, it } from "vitest";
import { envVar, parseEnv, requiredEnv } from "#core/env.ts";
import { FUNCTIONS, WORKER_ENV } from "#core/functions.ts";

describe("parseEnv", () => {
  it("parses each variable once, with defaults for the unset and JSON where asked", () => {
    // Prepare
    const queue = (name: string) => ({
      url: `https://sqs/${name}`,
      dlqUrl: `https://sqs/${name}-dlq`,
      arn: `arn:${name}`,
    });
    const queues = { openf1: { high: queue("high"), normal: queue("normal"), low: queue("low") } };
    const source = { PACER_DATA_TABLE: "data", PACER_QUEUES: JSON.stringify(queues) };
    // Act
    const env = parseEnv(FUNCTIONS.sweeper.env, source);
    // Assess
    expect(env).toEqual({ dataTable: "data", queues, jobRetentionDays: 30, sweepGraceMs: 300_000 });
  });

  it("names every missing or malformed variable in one error", () => {
    // Prepare
    const source = { PACER_DATA_TABLE: "", PACER_JOB_RETENTION_DAYS: "a month", PACER_QUEUES: "{" };
    // Act
    const parse = () => parseEnv(FUNCTIONS.sweeper.env, source);
    // Assess
    expect(parse).toThrow(
      'environment: PACER_DATA_TABLE is required; PACER_QUEUES must be JSON; PACER_JOB_RETENTION_DAYS must be a number, got "a month"',
    );
  });

  it("refuses JSON of the wrong shape, naming the variable", () => {
    // Prepare
    const source = { PACER_DATA_TABLE: "data", PACER_QUEUES: '{"openf1":["high"]}' };
    // Act
    const parse = () => parseEnv(FUNCTIONS.sweeper.env, source);
    // Assess
    expect(parse).toThrow(/^environment: PACER_QUEUES /);
  });

  it("treats an empty variable as unset", () => {
    // Prepare
    const schema = { jobRetentionDays: envVar.number(30), jwtAudience: envVar.optional() };
    // Act
    const env = parseEnv(schema, { PACER_JOB_RETENTION_DAYS: "", PACER_JWT_AUDIENCE: "" });
    // Assess
    expect(env).toEqual({ jobRetentionDays: 30, jwtAudience: undefined });
  });
});

describe("requiredEnv", () => {
  it("lists the variables a worker cannot start without, and none that have a default", () => {
    // Act
    const required = requiredEnv(WORKER_ENV);
    // Assess
    expect(required.sort()).toEqual(
      [
        "PACER_DATA_TABLE",
        "PACER_IDEMPOTENCY_TABLE",
        "PACER_LIMITER_TABLE",
        "PACER_QUEUES",
        "PACER_SECRET_PREFIX",
      ].sort(),
    );
  });
});
