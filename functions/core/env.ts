import { z } from "zod";

/**
 * Every environment variable Pacer's functions read, by one name each. What each function needs
 * is declared with its spec (core/functions.ts); the CDK constructs and the local stand-in set
 * them from there, and the handler parses them once, at module load, with {@link parseEnv}.
 * Per-provider variables (`PACER_<PROVIDER>_BASE_URL`, …) are named by #catalog/index.ts.
 */
export const ENV = {
  dataTable: "PACER_DATA_TABLE",
  limiterTable: "PACER_LIMITER_TABLE",
  connectionsTable: "PACER_CONNECTIONS_TABLE",
  idempotencyTable: "PACER_IDEMPOTENCY_TABLE",
  /** JSON {@link QueueUrls} (core/resources.ts). */
  queues: "PACER_QUEUES",
  jobRetentionDays: "PACER_JOB_RETENTION_DAYS",
  historyRetentionDays: "PACER_HISTORY_RETENTION_DAYS",
  /** Connections' secrets are named `<prefix><connectionId>`; the functions may touch only those. */
  secretPrefix: "PACER_SECRET_PREFIX",
  /** Local only: the file the stand-in keeps secrets in (mode 0600) instead of Secrets Manager. */
  secretsFile: "PACER_SECRETS_FILE",
  /** The secret holding `{"key"}`, the key of credential fingerprints and budget keys. */
  fingerprintKeySecret: "PACER_FINGERPRINT_KEY_SECRET",
  /** The EventBridge Scheduler group connections' schedules are created in. */
  scheduleGroup: "PACER_SCHEDULE_GROUP",
  /** The role Scheduler assumes to send a schedule's job message to its queue. */
  schedulerRoleArn: "PACER_SCHEDULER_ROLE_ARN",
  /** Where Scheduler puts a firing it could not deliver. */
  scheduleDlqArn: "PACER_SCHEDULE_DLQ_ARN",
  sweepGraceMs: "PACER_SWEEP_GRACE_MS",
  /** The WebSocket API's `@connections` endpoint. */
  wsCallbackUrl: "PACER_WS_CALLBACK_URL",
  jwtIssuer: "PACER_JWT_ISSUER",
  jwksUrl: "PACER_JWKS_URL",
  jwtAudience: "PACER_JWT_AUDIENCE",
  tenantClaim: "PACER_TENANT_CLAIM",
  jwtMaxLifetimeSeconds: "PACER_JWT_MAX_LIFETIME_SECONDS",
  providerTimeoutMs: "PACER_PROVIDER_TIMEOUT_MS",
  retryMaxAttempts: "PACER_RETRY_MAX_ATTEMPTS",
  retryBaseDelayMs: "PACER_RETRY_BASE_DELAY_MS",
  retryMaxDelayMs: "PACER_RETRY_MAX_DELAY_MS",
  retryMaxAgeMs: "PACER_RETRY_MAX_AGE_MS",
  maxPermitWaitMs: "PACER_MAX_PERMIT_WAIT_MS",
  /**
   * Local only: every limit window is divided by this (core/limit-time-scale.ts). Unset deployed:
   * the CDK never sets it, so it is 1 there.
   */
  limitTimeScale: "PACER_LIMIT_TIME_SCALE",
  /**
   * Local only: the smallest safety margin of every limit window, in ms (default 50). The
   * stand-in widens it because its fakes share the machine's CPU; the CDK never sets it.
   */
  limitMarginMs: "PACER_LIMIT_MARGIN_MS",
} as const;

export type EnvKey = keyof typeof ENV;
export type EnvName = (typeof ENV)[EnvKey];

/** What a function reads: a schema per variable, parsing the variable's text (undefined when unset or empty). */
export type EnvSchema = { readonly [K in EnvKey]?: z.ZodType<unknown, string | undefined> };

export type ParsedEnv<S extends EnvSchema> = {
  readonly [K in keyof S]: S[K] extends z.ZodType<infer T> ? T : never;
};

/** Schemas for the kinds of variable there are. */
export const envVar = {
  /** Must be set and non-empty. */
  required: () => z.string({ error: "is required" }).min(1, "is required"),
  optional: () => z.string().optional(),
  /** A number; `fallback` when unset. */
  number: (fallback: number) =>
    z
      .string()
      .optional()
      .transform((raw, context) => {
        if (raw === undefined) return fallback;
        const value = Number(raw);
        if (Number.isFinite(value)) return value;
        context.addIssue({ code: "custom", message: `must be a number, got "${raw}"` });
        return z.NEVER;
      }),
  /** Required JSON that `schema` accepts. */
  json: <T>(schema: z.ZodType<T>) =>
    z
      .string({ error: "is required" })
      .transform((raw, context): unknown => {
        try {
          return JSON.parse(raw);
        } catch {
          context.addIssue({ code: "custom", message: "must be JSON" });
          return z.NEVER;
        }
      })
      .pipe(schema),
};

/**
 * Parses the variables `schema` names from `source`, once. Every problem is named in one error
 * (`PACER_DATA_TABLE is required; PACER_JOB_RETENTION_DAYS must be a number, got "x"`), so a
 * misconfigured function fails its cold start with the whole list instead of a request later.
 */
export function parseEnv<S extends EnvSchema>(
  schema: S,
  source: NodeJS.ProcessEnv = process.env,
): ParsedEnv<S> {
  const parsed: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const key of Object.keys(schema) as EnvKey[]) {
    const variable = schema[key];
    if (!variable) continue;
    const raw = source[ENV[key]];
    const result = variable.safeParse(raw === "" ? undefined : raw);
    if (result.success) parsed[key] = result.data;
    else problems.push(`${ENV[key]} ${result.error.issues.map((issue) => issue.message).join(", ")}`);
  }
  if (problems.length > 0) throw new Error(`environment: ${problems.join("; ")}`);
  return parsed as ParsedEnv<S>;
}

/** The variables of `schema` a function cannot start without (those that have no default). */
export function requiredEnv(schema: EnvSchema): EnvName[] {
  return (Object.keys(schema) as EnvKey[])
    .filter((key) => schema[key]?.safeParse(undefined).success === false)
    .map((key) => ENV[key]);
}

/** A variable whose name is not fixed (a provider's): its value, or undefined when unset or empty. */
export function optionalEnv(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === "" ? undefined : value;
}
