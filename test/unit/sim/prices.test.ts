import { describe, expect, it } from "vitest";
import type { AwsUsage } from "../../../sim/meter.ts";
import { PRICE_TABLE, PRICES, priceUsage } from "../../../sim/prices.ts";

const none: AwsUsage = {
  lambda: { invocations: 0, gbSeconds: 0 },
  sqs: { requests: 0 },
  dynamodb: { readUnits: 0, writeUnits: 0 },
  scheduler: { invocations: 0 },
  apiGateway: { restRequests: 0, wsMessages: 0, wsConnectionMinutes: 0 },
};

describe("priceUsage", () => {
  it("prices a million of each operation at its list price, per day and per 30-day month", () => {
    // Prepare: one day with a million of everything.
    const million: AwsUsage = {
      lambda: { invocations: 1_000_000, gbSeconds: 1_000_000 },
      sqs: { requests: 1_000_000 },
      dynamodb: { readUnits: 1_000_000, writeUnits: 1_000_000 },
      scheduler: { invocations: 1_000_000 },
      apiGateway: { restRequests: 1_000_000, wsMessages: 1_000_000, wsConnectionMinutes: 1_000_000 },
    };

    // Act
    const usd = priceUsage(million, 1);

    // Assess: arm64 Lambda, the November 2024 DynamoDB on-demand prices.
    expect(usd.byService.lambda).toBeCloseTo(0.2 + 13.3334, 6);
    expect(usd.byService.sqs).toBeCloseTo(0.4, 6);
    expect(usd.byService.dynamodb).toBeCloseTo(0.125 + 0.625, 6);
    expect(usd.byService.scheduler).toBeCloseTo(1, 6);
    expect(usd.byService.apiGateway).toBeCloseTo(3.5 + 1 + 0.25, 6);
    expect(usd.perDay).toBeCloseTo(0.2 + 13.3334 + 0.4 + 0.75 + 1 + 4.75, 6);
    expect(usd.perMonth).toBeCloseTo(usd.perDay * 30, 6);
  });

  it("divides a longer run's usage by its days", () => {
    const threeDays = { ...none, sqs: { requests: 3_000_000 } };
    expect(priceUsage(threeDays, 3).byService.sqs).toBeCloseTo(0.4, 8);
  });

  it("refuses a run of no days", () => {
    expect(() => priceUsage(none, 0)).toThrow(RangeError);
  });

  it("dates every price and names its source", () => {
    for (const price of Object.values(PRICES)) {
      expect(price.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(price.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
    }
    expect(PRICE_TABLE).toContain(PRICES.lambdaRequests.asOf);
  });
});
