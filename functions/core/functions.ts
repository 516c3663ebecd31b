import { z } from "zod";
import type { ProviderDef } from "#catalog/types.ts";
import { DEFAULT_MAX_TOKEN_LIFETIME_SECONDS } from "./auth/verifier.ts";
import { type EnvSchema, envVar } from "./env.ts";
import { NO_TIME_SCALE } from "./limit-time-scale.ts";
import type { TableKey } from "./resources.ts";
import { WORKER_TIMEOUT_SECONDS } from "./resources.ts";
import { DEFAULT_RETRY_POLICY } from "./retry-budget.ts";

/**
 * Pacer's functions as plain data: what each runs, how long it may take, what it reads from its
 * environment and which tables and queues it touches. The CDK constructs deploy from these and
 * the local stand-in runs from them, and each handler parses its environment with its spec's
 * schema, so the three can never drift apart.
 */

export type TableAccess = "read" | "write" | "readWrite";

export interface FunctionSpec<E extends EnvSchema = EnvSchema> {
  /** `api` → the local function `pacer-local-api`; deployed, the construct ids. */
  readonly name: string;
  /** The handler module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** The variables it reads, each with its schema; the handler parses exactly these. */
  readonly env: E;
  /** Each table it touches, with the access it needs (its name arrives in the table's env var). */
  readonly tables: Readonly<Partial<Record<TableKey, TableAccess>>>;
  /**
   * The job queues it sends to: `all` providers' or its `own` provider's, and whether it also
   * sends to their dead-letter queues. Absent: none.
   */
  readonly queues?: { readonly send: "all" | "own"; readonly deadLetter: boolean };
}

const queueUrlsSchema = z.record(
  z.string(),
  z.record(
    z.enum(["high", "normal", "low"]),
    z.object({ url: z.string(), dlqUrl: z.string(), arn: z.string() }),
  ),
);

const jobRetentionDays = envVar.number(30);
/** Days a changed entity's history snapshot is kept. */
const historyRetentionDays = envVar.number(90);

/** Divides every limit window (the stand-in's `--time-scale`); the CDK never sets it, so 1 deployed. */
const limitTimeScale = envVar
  .number(NO_TIME_SCALE)
  .refine((factor) => factor >= 1, "must be at least 1 (a time scale only shortens limit windows)");

/** The limiter's smallest safety margin (the stand-in widens it); the CDK never sets it, so 50 ms deployed. */
const limitMarginMs = envVar
  .number(50)
  .refine((ms) => ms >= 50 && ms <= 1_000, "must be between 50 and 1000 (ms)");

const authEnv = {
  jwtIssuer: envVar.required(),
  jwksUrl: envVar.required(),
  jwtAudience: envVar.optional(),
  tenantClaim: envVar.optional(),
  jwtMaxLifetimeSeconds: envVar.number(DEFAULT_MAX_TOKEN_LIFETIME_SECONDS),
} satisfies EnvSchema;

const retryEnv = {
  retryMaxAttempts: envVar.number(DEFAULT_RETRY_POLICY.maxAttempts),
  retryBaseDelayMs: envVar.number(DEFAULT_RETRY_POLICY.baseDelayMs),
  retryMaxDelayMs: envVar.number(DEFAULT_RETRY_POLICY.maxDelayMs),
  retryMaxAgeMs: envVar.number(DEFAULT_RETRY_POLICY.maxAgeMs),
  maxPermitWaitMs: envVar.number(0),
} satisfies EnvSchema;

/** The REST API answers within this; API Gateway itself gives up on an integration after 29 s. */
export const API_TIMEOUT_SECONDS = 15;

export const FUNCTIONS = {
  api: {
    name: "api",
    entry: "functions/handlers/api.ts",
    description: "Pacer: REST API (connections, race events, manual syncs, data, job and status reads)",
    timeoutSeconds: API_TIMEOUT_SECONDS,
    memoryMb: 512,
    env: {
      dataTable: envVar.required(),
      limiterTable: envVar.required(),
      queues: envVar.json(queueUrlsSchema),
      jobRetentionDays,
      // The API rebuilds an event's participants (a value set in Pacer), leaving history as workers do.
      historyRetentionDays,
      limitTimeScale,
      limitMarginMs,
      secretPrefix: envVar.required(),
      secretsFile: envVar.optional(),
      fingerprintKeySecret: envVar.required(),
      scheduleGroup: envVar.required(),
      schedulerRoleArn: envVar.required(),
      scheduleDlqArn: envVar.optional(),
    },
    tables: { data: "readWrite", limiter: "read" },
    queues: { send: "all", deadLetter: false },
  },
  authorizer: {
    name: "authorizer",
    entry: "functions/handlers/authorizer.ts",
    description: "Pacer: verifies bearer JWTs and names the caller's tenant",
    timeoutSeconds: 10,
    memoryMb: 512,
    env: authEnv,
    tables: {},
  },
  websocket: {
    name: "websocket",
    entry: "functions/handlers/websocket.ts",
    description: "Pacer: WebSocket connections and subscriptions (a subscription refreshes stale data)",
    timeoutSeconds: 10,
    memoryMb: 512,
    env: {
      connectionsTable: envVar.required(),
      wsCallbackUrl: envVar.required(),
      // A subscription to stale data queues its refresh: it reads entities, connections and subject
      // status, records the job and sends it, as POST /sync does.
      dataTable: envVar.required(),
      queues: envVar.json(queueUrlsSchema),
      jobRetentionDays,
    },
    tables: { connections: "readWrite", data: "readWrite" },
    queues: { send: "all", deadLetter: false },
  },
  broadcaster: {
    name: "broadcaster",
    entry: "functions/handlers/broadcaster.ts",
    description: "Pacer: sends data-table changes to subscribed WebSocket clients",
    timeoutSeconds: 60,
    memoryMb: 512,
    env: { connectionsTable: envVar.required(), wsCallbackUrl: envVar.required() },
    // It drops connections API Gateway reports gone (410), so it writes too.
    tables: { connections: "readWrite" },
  },
  freshness: {
    name: "freshness",
    entry: "functions/handlers/freshness.ts",
    description: "Pacer: reports how stale each scheduled sync type is",
    timeoutSeconds: 60,
    memoryMb: 512,
    env: { dataTable: envVar.required() },
    tables: { data: "read" },
  },
  sweeper: {
    name: "sweeper",
    entry: "functions/handlers/sweeper.ts",
    description: "Pacer: sends again the messages of jobs that lost theirs",
    timeoutSeconds: 60,
    memoryMb: 512,
    env: {
      dataTable: envVar.required(),
      queues: envVar.json(queueUrlsSchema),
      jobRetentionDays,
      sweepGraceMs: envVar.number(5 * 60_000),
    },
    tables: { data: "readWrite" },
    queues: { send: "all", deadLetter: false },
  },
  raceClock: {
    name: "race-clock",
    entry: "functions/handlers/race-clock.ts",
    description: "Pacer: queues the results pulls of running race events, every 5 minutes",
    timeoutSeconds: 60,
    memoryMb: 512,
    env: {
      dataTable: envVar.required(),
      queues: envVar.json(queueUrlsSchema),
      jobRetentionDays,
      // The stand-in's --time-scale shortens the 30-minute results cadence too; 1 deployed.
      limitTimeScale,
    },
    // It reads the clock's index and writes job records and when it queued them.
    tables: { data: "readWrite" },
    // A results pull goes to its scoring provider's queue; it never dead-letters.
    queues: { send: "all", deadLetter: false },
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionKey = keyof typeof FUNCTIONS;

/** What every provider's worker reads (its provider's own variables aside: see #catalog/index.ts). */
export const WORKER_ENV = {
  dataTable: envVar.required(),
  limiterTable: envVar.required(),
  idempotencyTable: envVar.required(),
  queues: envVar.json(queueUrlsSchema),
  jobRetentionDays,
  historyRetentionDays,
  providerTimeoutMs: envVar.number(20_000),
  limitTimeScale,
  limitMarginMs,
  secretPrefix: envVar.required(),
  secretsFile: envVar.optional(),
  // Set for the workers of providers with windowed sync types (lib/constructs/schedules.ts).
  scheduleGroup: envVar.optional(),
  schedulerRoleArn: envVar.optional(),
  scheduleDlqArn: envVar.optional(),
  ...retryEnv,
} satisfies EnvSchema;

/**
 * One provider's worker: fed by its three priority queues, it re-queues and dead-letters its own
 * jobs. A registration provider's also queues the scoring pushes its changes call for, so it sends
 * to every provider's queues.
 */
export function workerSpec(
  provider: Pick<ProviderDef, "id" | "displayName" | "role">,
): FunctionSpec<typeof WORKER_ENV> {
  return {
    name: `worker-${provider.id}`,
    entry: `functions/providers/${provider.id}/handler.ts`,
    description: `Pacer: ${provider.displayName} sync worker`,
    timeoutSeconds: WORKER_TIMEOUT_SECONDS,
    memoryMb: 1024,
    env: WORKER_ENV,
    tables: { data: "readWrite", limiter: "readWrite", idempotency: "readWrite" },
    queues: { send: provider.role === "registration" ? "all" : "own", deadLetter: true },
  };
}
