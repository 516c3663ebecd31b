import type { ProviderCalls } from "./calls.ts";
import type { Strategy } from "./driver.ts";
import type { JobLog } from "./job-log.ts";
import type { AwsUsage } from "./meter.ts";
import { PRICE_TABLE, priceUsage } from "./prices.ts";
import { type ManualRecord, manualLatency, type ReadRecord, readAgeSummary } from "./read-age.ts";

export interface StrategyRun {
  readonly workload: string;
  readonly strategy: Strategy;
  readonly days: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly calls: ProviderCalls;
  readonly usage: AwsUsage;
  readonly reads: readonly ReadRecord[];
  readonly manual: readonly ManualRecord[];
  readonly log: JobLog;
  readonly wallSeconds: number;
  readonly notes: Readonly<Record<string, unknown>>;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** One strategy's JSON line (see sim/README.md for every field). */
export function strategyLine(run: StrategyRun) {
  const perDay = (n: number) => round(n / run.days, 1);
  const usage = run.usage;
  return {
    workload: run.workload,
    strategy: run.strategy,
    days: run.days,
    calls: {
      perDay: Object.fromEntries(Object.entries(run.calls.byGroup).map(([group, n]) => [group, perDay(n)])),
      total: run.calls.total,
    },
    answers429: run.calls.answers429,
    ...(run.calls.answers429 > 0 ? { answers429ByGroup: run.calls.rateLimitedByGroup } : {}),
    readAge: readAgeSummary(run.reads, run.log),
    manualTriggerLatencySeconds: manualLatency(run.manual, run.log, run.endMs),
    aws: {
      lambda: { invocations: usage.lambda.invocations, gbSeconds: round(usage.lambda.gbSeconds, 3) },
      sqs: { requests: usage.sqs.requests },
      dynamodb: {
        readUnits: round(usage.dynamodb.readUnits, 1),
        writeUnits: round(usage.dynamodb.writeUnits, 1),
      },
      scheduler: { invocations: usage.scheduler.invocations },
      apiGateway: {
        restRequests: usage.apiGateway.restRequests,
        wsMessages: usage.apiGateway.wsMessages,
        wsConnectionMinutes: round(usage.apiGateway.wsConnectionMinutes, 1),
      },
    },
    usd: priceUsage(usage, run.days),
    priceTable: PRICE_TABLE,
    virtualSeconds: round((run.endMs - run.startMs) / 1000, 0),
    wallSeconds: round(run.wallSeconds, 1),
    notes: run.notes,
  };
}

export type StrategyLine = ReturnType<typeof strategyLine>;

/** The last line: the two strategies side by side; `wallSeconds` is the whole run's (they run at once). */
export function summaryLine(lines: readonly StrategyLine[], wallSeconds: number) {
  const seed = lines.find((l) => l.strategy === "seed");
  const pacer = lines.find((l) => l.strategy === "pacer");
  const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined || b === 0 ? null : round(a / b, 3);
  return {
    summary: true,
    workload: lines[0]?.workload,
    days: lines[0]?.days,
    seedCallsPerDay: seed ? round(seed.calls.total / seed.days, 1) : null,
    pacerCallsPerDay: pacer ? round(pacer.calls.total / pacer.days, 1) : null,
    pacerCallsVsSeed: ratio(pacer?.calls.total, seed?.calls.total),
    answers429: Object.fromEntries(lines.map((l) => [l.strategy, l.answers429])),
    p95ReadAgeSeconds: Object.fromEntries(lines.map((l) => [l.strategy, l.readAge.all?.p95 ?? null])),
    p95ReadAgeOfTarget: Object.fromEntries(
      lines.map((l) => [l.strategy, l.readAge.all?.p95OfTarget ?? null]),
    ),
    usdPerDay: Object.fromEntries(lines.map((l) => [l.strategy, l.usd.perDay])),
    usdPerMonth: Object.fromEntries(lines.map((l) => [l.strategy, l.usd.perMonth])),
    wallSeconds: round(wallSeconds, 1),
  };
}
