import type { AwsUsage } from "./meter.ts";

/** One list price: USD per `per` units of `unit`, as of `asOf`, from `source`. */
export interface Price {
  readonly usd: number;
  readonly per: number;
  readonly unit: string;
  readonly asOf: string;
  readonly source: string;
}

/**
 * AWS list prices, us-east-1, on-demand, as Pacer deploys (Lambda on arm64: see
 * lib/constructs/pacer-function.ts). Free tiers are ignored: a day is priced as if nothing were free.
 * Checked on the date below against the pricing pages named, and against secondary sources quoting
 * them (DynamoDB's on-demand prices are those after the November 2024 reduction).
 */
export const PRICES = {
  lambdaRequests: {
    usd: 0.2,
    per: 1_000_000,
    unit: "Lambda requests",
    asOf: "2026-12-02",
    source: "https://aws.amazon.com/lambda/pricing/",
  },
  lambdaArmGbSeconds: {
    usd: 0.0000133334,
    per: 1,
    unit: "Lambda GB-second (arm64, first 7.5 billion GB-s a month)",
    asOf: "2026-12-02",
    source: "https://aws.amazon.com/lambda/pricing/",
  },
  sqsRequests: {
    usd: 0.4,
    per: 1_000_000,
    unit: "SQS standard-queue requests (each 64 KB chunk of a payload is one)",
    asOf: "2026-12-02",
    source: "https://aws.amazon.com/sqs/pricing/",
  },
  dynamodbWriteUnits: {
    usd: 0.625,
    per: 1_000_000,
    unit: "DynamoDB on-demand write request units",
    asOf: "2026-12-02",
    source: "https://aws.amazon.com/dynamodb/pricing/on-demand/",
  },
  dynamodbReadUnits: {
    usd: 0.125,
    per: 1_000_000,
    unit: "DynamoDB on-demand read request units",
    asOf: "2026-12-02",
    source: "https://aws.amazon.com/dynamodb/pricing/on-demand/",
  },
  schedulerInvocations: {
    usd: 1,
    per: 1_000_000,
    unit: "EventBridge Scheduler invocations",
    asOf: "2026-12-02",
    source: "https://aws.amazon.com/eventbridge/pricing/",
  },
  restRequests: {
    usd: 3.5,
    per: 1_000_000,
    unit: "API Gateway REST API requests (first 333 million a month)",
    asOf: "2026-12-02",
    source: "https://aws.amazon.com/api-gateway/pricing/",
  },
  wsMessages: {
    usd: 1,
    per: 1_000_000,
    unit: "API Gateway WebSocket messages (32 KB increments, first billion a month)",
    asOf: "2026-12-02",
    source: "https://aws.amazon.com/api-gateway/pricing/",
  },
  wsConnectionMinutes: {
    usd: 0.25,
    per: 1_000_000,
    unit: "API Gateway WebSocket connection minutes",
    asOf: "2026-12-02",
    source: "https://aws.amazon.com/api-gateway/pricing/",
  },
} as const satisfies Record<string, Price>;

/** The table's date and where it came from, for each JSON line. */
export const PRICE_TABLE = `${PRICES.lambdaRequests.asOf} us-east-1 on-demand list prices, free tiers ignored: aws.amazon.com/{lambda,sqs,dynamodb,eventbridge,api-gateway}/pricing (sim/prices.ts)`;

const DAYS_PER_MONTH = 30;

const cost = (price: Price, amount: number) => (amount * price.usd) / price.per;

/** USD per day (usage over `days`) by service, and per 30-day month. */
export function priceUsage(usage: AwsUsage, days: number) {
  if (!(days > 0)) throw new RangeError(`days must be positive, got ${days}`);
  const total = {
    lambda:
      cost(PRICES.lambdaRequests, usage.lambda.invocations) +
      cost(PRICES.lambdaArmGbSeconds, usage.lambda.gbSeconds),
    sqs: cost(PRICES.sqsRequests, usage.sqs.requests),
    dynamodb:
      cost(PRICES.dynamodbReadUnits, usage.dynamodb.readUnits) +
      cost(PRICES.dynamodbWriteUnits, usage.dynamodb.writeUnits),
    scheduler: cost(PRICES.schedulerInvocations, usage.scheduler.invocations),
    apiGateway:
      cost(PRICES.restRequests, usage.apiGateway.restRequests) +
      cost(PRICES.wsMessages, usage.apiGateway.wsMessages) +
      cost(PRICES.wsConnectionMinutes, usage.apiGateway.wsConnectionMinutes),
  };
  const byService = Object.fromEntries(
    Object.entries(total).map(([service, usd]) => [service, round(usd / days)]),
  ) as Record<keyof typeof total, number>;
  const perDay = Object.values(total).reduce((sum, usd) => sum + usd, 0) / days;
  return { perDay: round(perDay), perMonth: round(perDay * DAYS_PER_MONTH), byService };
}

/** Dollars to a millionth of a cent is more than enough; keeps small figures readable. */
function round(usd: number): number {
  return Math.round(usd * 1e8) / 1e8;
}
