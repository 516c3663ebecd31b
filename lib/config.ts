import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { catalog as defaultCatalog } from "#catalog/index.ts";
import type { Catalog } from "#catalog/types.ts";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "#core/retry-budget.ts";
import { checkCatalog } from "#core/schedule-plan.ts";
import {
  checkAuth,
  checkProviderMap,
  checkRetry,
  checkThrottle,
  checkWholeDays,
  describe,
  HOST,
  isEmail,
  isHttpUrl,
  isRecord,
  REMOVED_KEYS,
} from "./config-checks.ts";

/**
 * Deployment configuration: the cdk.json context key `pacer` (or `-c pacer='{…}'`), merged over
 * the defaults below by `resolveConfig`. Everything else is derived from the catalog.
 */
/** The stack creates a Cognito user pool whose users carry an immutable `custom:tenant_id`. */
export interface CognitoAuthConfig {
  readonly kind: "cognito";
}
/** Any OIDC issuer whose JWTs carry the tenant in a claim. */
export interface OidcAuthConfig {
  readonly kind: "oidc";
  /** Expected `iss`, an https URL. */
  readonly issuer: string;
  /** The issuer's signing keys, an https URL. */
  readonly jwksUrl: string;
  /**
   * Expected `aud` (or `client_id`).
   * @default - the audience is not checked
   */
  readonly audience?: string;
  /** Claim that carries the tenant id, e.g. `tenant_id`. */
  readonly tenantClaim: string;
}
export type AuthConfig = CognitoAuthConfig | OidcAuthConfig;
/** Steady-state requests per second and burst, per API stage. */
export interface ApiThrottle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}
export interface PacerConfig {
  /**
   * Days a job record is kept (DynamoDB TTL).
   * @default 30
   */
  readonly jobRetentionDays: number;
  /**
   * Days a history snapshot is kept (DynamoDB TTL).
   * @default 90
   */
  readonly historyRetentionDays: number;
  /**
   * Address that receives alarm notifications (an SNS email subscription, confirmed by mail).
   * @default - alarms publish to the topic with no subscription
   */
  readonly alarmEmail?: string;
  /**
   * Who issues the JWTs both APIs accept.
   * @default { kind: "cognito" }
   */
  readonly auth: AuthConfig;
  /**
   * Base URL overrides per provider id (sandbox hosts, recorded servers); passed to the worker as
   * `PACER_<PROVIDER>_BASE_URL`.
   * @default {} - every provider uses the catalog's base URL
   */
  readonly providerBaseUrls: Readonly<Record<string, string>>;
  /**
   * Retention of every Lambda and API access log group.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention: RetentionDays;
  /**
   * Throttling of the REST and WebSocket API stages.
   * @default { rateLimit: 10, burstLimit: 20 }
   */
  readonly apiThrottle: ApiThrottle;
  /**
   * A regional WAFv2 web ACL to associate with the REST API stage.
   * @default - no web ACL
   */
  readonly webAclArn?: string;
  /**
   * Each job's retry budget (milliseconds): provider attempts, backoff, age, and the longest wait
   * for permits (default: per sync type, four cadences within 1 h – 24 h). Passed to the workers as
   * `PACER_RETRY_MAX_ATTEMPTS`, `…_BASE_DELAY_MS`, `…_MAX_DELAY_MS`, `…_MAX_AGE_MS`, `PACER_MAX_PERMIT_WAIT_MS`.
   * @default { maxAttempts: 5, baseDelayMs: 2000, maxDelayMs: 300000, maxAgeMs: 3600000 }
   */
  readonly retry: RetryPolicy;
  /**
   * Hosts, per provider id, a provider may redirect to besides its base URL's
   * (`PACER_<PROVIDER>_REDIRECT_HOSTS`). Every hop still takes its own permit.
   * @default {} - only the base URL's own host
   */
  readonly providerRedirectHosts: Readonly<Record<string, readonly string[]>>;
}
/** What a caller may give: any subset of the config. */
export type PacerConfigInput = Partial<PacerConfig>;
/** Defaults as a pure function, so callers can never mutate a shared object. */
export function defaultConfig(): PacerConfig {
  return {
    jobRetentionDays: 30,
    historyRetentionDays: 90,
    auth: { kind: "cognito" },
    providerBaseUrls: {},
    logRetention: RetentionDays.ONE_MONTH,
    apiThrottle: { rateLimit: 10, burstLimit: 20 },
    retry: { ...DEFAULT_RETRY_POLICY },
    providerRedirectHosts: {},
  };
}
const KNOWN_KEYS: ReadonlySet<string> = new Set<keyof PacerConfig>([
  "jobRetentionDays",
  "historyRetentionDays",
  "alarmEmail",
  "auth",
  "providerBaseUrls",
  "logRetention",
  "apiThrottle",
  "webAclArn",
  "retry",
  "providerRedirectHosts",
]);
const RETENTION_VALUES: ReadonlySet<number> = new Set(
  Object.values(RetentionDays).filter((v): v is number => typeof v === "number"),
);
/**
 * Merges `input` over the defaults and checks the result together with the catalog. Every problem is collected and reported in one Error, so a bad
 * config costs one synth, not one per mistake.
 */
export function resolveConfig(input: PacerConfigInput = {}, catalog: Catalog = defaultCatalog): PacerConfig {
  const problems: string[] = [];
  if (!isRecord(input)) {
    throw new Error(`Invalid Pacer config:\n  - config must be an object, got ${describe(input)}`);
  }
  for (const key of Object.keys(input)) {
    const removed = REMOVED_KEYS[key];
    if (removed !== undefined) problems.push(`${key} was removed: ${removed}`);
    else if (!KNOWN_KEYS.has(key)) problems.push(`unknown key "${key}"`);
  }

  const defaults = defaultConfig();
  const config: PacerConfig = {
    ...defaults,
    ...knownKeys(input),
    retry: { ...defaults.retry, ...(isRecord(input.retry) ? input.retry : {}) },
  };
  if (input.retry !== undefined && !isRecord(input.retry)) {
    problems.push(`retry must be an object, got ${describe(input.retry)}`);
  }

  problems.push(...checkWholeDays("jobRetentionDays", config.jobRetentionDays));
  problems.push(...checkWholeDays("historyRetentionDays", config.historyRetentionDays));
  if (config.alarmEmail !== undefined && !isEmail(config.alarmEmail)) {
    problems.push(`alarmEmail must be an email address, got ${describe(config.alarmEmail)}`);
  }
  problems.push(...checkAuth(config.auth));
  problems.push(
    ...checkProviderMap("providerBaseUrls", config.providerBaseUrls, catalog, {
      valid: isHttpUrl,
      is: "an http(s) URL",
    }),
  );
  if (!RETENTION_VALUES.has(config.logRetention)) {
    problems.push(
      `logRetention must be one of CloudWatch's retention periods (${[...RETENTION_VALUES].join(", ")}), got ${describe(config.logRetention)}`,
    );
  }
  problems.push(...checkThrottle(config.apiThrottle));
  problems.push(...checkRetry(config.retry));
  problems.push(
    ...checkProviderMap("providerRedirectHosts", config.providerRedirectHosts, catalog, {
      valid: (v) => Array.isArray(v) && v.every((h) => typeof h === "string" && HOST.test(h)),
      is: "an array of host names",
    }),
  );
  if (
    config.webAclArn !== undefined &&
    !/^arn:aws[a-z-]*:wafv2:[^:]+:\d{12}:regional\/webacl\//.test(String(config.webAclArn))
  ) {
    problems.push(`webAclArn must be a regional WAFv2 web ACL ARN, got ${describe(config.webAclArn)}`);
  }

  problems.push(...checkCatalog(catalog).map((p) => `catalog: ${p}`));

  if (problems.length > 0) {
    throw new Error(
      `Invalid Pacer config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}`,
    );
  }
  return config;
}
/** The keys of `input` that are set and known (a removed or unknown key is reported, never kept). */
function knownKeys(input: PacerConfigInput): PacerConfigInput {
  return Object.fromEntries(Object.entries(input).filter(([k, v]) => v !== undefined && KNOWN_KEYS.has(k)));
}
