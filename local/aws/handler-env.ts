import { ENV } from "#core/env.ts";
import { METRICS_NAMESPACE, SERVICE_NAME } from "#core/metric-names.ts";
import { type QueueUrls, TABLES, type TableKey } from "#core/resources.ts";
import { DEV_AUDIENCE, DEV_ISSUER, DEV_TENANT_CLAIM } from "../gateways/dev-auth.ts";
import { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LOCAL_REGION } from "./aws-config.ts";

export interface HandlerEnvInput {
  readonly dynamoEndpoint: string;
  readonly sqsEndpoint: string;
  readonly tables: Record<TableKey, string>;
  readonly queues: QueueUrls;
  readonly jwksUrl: string;
  readonly wsCallbackUrl: string;
  /** The Scheduler stand-in's endpoint (`AWS_ENDPOINT_URL_SCHEDULER`). */
  readonly schedulerEndpoint: string;
  /** The stand-in's secrets file (mode 0600), instead of Secrets Manager. */
  readonly secretsFile: string;
  /** Every limit window divided by this (`--time-scale`); deployed it is never set. */
  readonly limitTimeScale: number;
  /** Base URLs of the fake providers. */
  readonly providerEnv: Readonly<Record<string, string>>;
  /** INFO logs and EMF metrics from the handlers; otherwise only their warnings. */
  readonly verbose: boolean;
  readonly quiet: boolean;
}

/** Names the stand-in gives what the CDK creates deployed. */
/**
 * The limiter's smallest safety margin here: the fakes share this machine's CPU with the stand-in,
 * DynamoDB Local and the tests, and a starved fake stamps a call late (up to 130 ms after it was
 * sent, measured on a loaded 2-core machine), which a 50 ms margin does not cover. Deployed, the
 * provider runs elsewhere and the default stands.
 */
export const LOCAL_LIMIT_MARGIN_MS = 150;
export const LOCAL_SECRET_PREFIX = "pacer/local/connections/";
export const LOCAL_FINGERPRINT_KEY_SECRET = "pacer/local/fingerprint-key";
export const LOCAL_SCHEDULE_GROUP = "pacer-connections";
export const LOCAL_SCHEDULER_ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT}:role/pacer-local-scheduler`;

/**
 * The environment the deployed functions get from the CDK, pointed at the stand-in. The SDK reads
 * `AWS_ENDPOINT_URL_<SERVICE>` itself, so the handlers' clients need no local special case.
 */
export function handlerEnv(input: HandlerEnvInput): Record<string, string> {
  const tableEnv = Object.fromEntries(
    (Object.keys(TABLES) as TableKey[]).map((key) => [TABLES[key].envVar, input.tables[key]]),
  );
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: input.dynamoEndpoint,
    AWS_ENDPOINT_URL_SQS: input.sqsEndpoint,
    AWS_ENDPOINT_URL_SCHEDULER: input.schedulerEndpoint,
    ...tableEnv,
    [ENV.queues]: JSON.stringify(input.queues),
    [ENV.secretPrefix]: LOCAL_SECRET_PREFIX,
    [ENV.secretsFile]: input.secretsFile,
    [ENV.fingerprintKeySecret]: LOCAL_FINGERPRINT_KEY_SECRET,
    [ENV.scheduleGroup]: LOCAL_SCHEDULE_GROUP,
    [ENV.schedulerRoleArn]: LOCAL_SCHEDULER_ROLE_ARN,
    [ENV.jobRetentionDays]: process.env[ENV.jobRetentionDays] ?? "30",
    [ENV.jwtIssuer]: DEV_ISSUER,
    [ENV.jwksUrl]: input.jwksUrl,
    [ENV.jwtAudience]: DEV_AUDIENCE,
    [ENV.tenantClaim]: DEV_TENANT_CLAIM,
    [ENV.wsCallbackUrl]: input.wsCallbackUrl,
    [ENV.limitTimeScale]: String(input.limitTimeScale),
    [ENV.limitMarginMs]: String(LOCAL_LIMIT_MARGIN_MS),
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    POWERTOOLS_TRACE_ENABLED: "false",
    // One set in the environment wins (POWERTOOLS_LOG_LEVEL=DEBUG npm run local: every delivery).
    POWERTOOLS_LOG_LEVEL:
      process.env.POWERTOOLS_LOG_LEVEL || (input.verbose ? "INFO" : input.quiet ? "ERROR" : "WARN"),
    // EMF lines are for CloudWatch; locally they only bury the logs unless asked for.
    POWERTOOLS_METRICS_DISABLED: input.verbose ? "false" : "true",
    ...input.providerEnv,
  };
}

/** Sets `env` on this process and returns a function that restores what was there before. */
export function applyEnv(env: Record<string, string>): () => void {
  const previous = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  // A developer's own AWS session must not leak into signed local requests.
  const sessionToken = process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_SESSION_TOKEN;
  Object.assign(process.env, env);
  return () => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    if (sessionToken !== undefined) process.env.AWS_SESSION_TOKEN = sessionToken;
  };
}
