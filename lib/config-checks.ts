import type { Catalog } from "#catalog/types.ts";
import type { RetryPolicy } from "#core/retry-budget.ts";

/**
 * Config keys that were removed, with what replaced them: a deployment that still sets one is
 * told why it no longer works instead of seeing "unknown key".
 */
export const REMOVED_KEYS: Readonly<Record<string, string>> = {
  scheduledTenants: 'tenants connect providers at run time (POST /connections); see README "Connections"',
  providerSecrets:
    'credentials are per connection now, given with POST /connections and kept in Secrets Manager; see README "Connections"',
};

/** The checks resolveConfig runs on each key: each returns the problems it found, none when the value is good. */
export function checkWholeDays(key: string, value: unknown): string[] {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 3650
    ? []
    : [`${key} must be a whole number of days from 1 to 3650, got ${describe(value)}`];
}

export function checkAuth(auth: unknown): string[] {
  if (!isRecord(auth)) return [`auth must be an object, got ${describe(auth)}`];
  if (auth.kind === "cognito") {
    const extra = Object.keys(auth).filter((k) => k !== "kind");
    return extra.length > 0 ? [`auth: cognito takes no settings, got ${extra.join(", ")}`] : [];
  }
  if (auth.kind !== "oidc") return [`auth.kind must be "cognito" or "oidc", got ${describe(auth.kind)}`];
  const problems: string[] = [];
  if (!isHttpsUrl(auth.issuer))
    problems.push(`auth.issuer must be an https URL, got ${describe(auth.issuer)}`);
  if (!isHttpsUrl(auth.jwksUrl))
    problems.push(`auth.jwksUrl must be an https URL, got ${describe(auth.jwksUrl)}`);
  if (auth.audience !== undefined && (typeof auth.audience !== "string" || auth.audience === "")) {
    problems.push(`auth.audience must be a non-empty string when set, got ${describe(auth.audience)}`);
  }
  if (typeof auth.tenantClaim !== "string" || auth.tenantClaim === "") {
    problems.push(
      `auth.tenantClaim must name the claim that carries the tenant, got ${describe(auth.tenantClaim)}`,
    );
  }
  return problems;
}

/** A per-provider map (`providerBaseUrls`, `providerRedirectHosts`): known providers, valid values. */
export function checkProviderMap(
  key: string,
  map: unknown,
  catalog: Catalog,
  value: { readonly valid: (v: unknown) => boolean; readonly is: string },
): string[] {
  if (!isRecord(map)) return [`${key} must be an object, got ${describe(map)}`];
  const problems: string[] = [];
  for (const [provider, v] of Object.entries(map)) {
    if (!catalog.providers.some((p) => p.id === provider))
      problems.push(`${key}: unknown provider "${provider}"`);
    if (!value.valid(v)) problems.push(`${key}.${provider} must be ${value.is}, got ${describe(v)}`);
  }
  return problems;
}

export function checkThrottle(throttle: unknown): string[] {
  if (!isRecord(throttle))
    return [`apiThrottle must be { rateLimit, burstLimit }, got ${describe(throttle)}`];
  const problems: string[] = [];
  for (const key of ["rateLimit", "burstLimit"] as const) {
    const value = throttle[key];
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
      problems.push(`apiThrottle.${key} must be a whole number ≥ 1, got ${describe(value)}`);
    }
  }
  return problems;
}

export const HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/i;

export function checkRetry(retry: RetryPolicy): string[] {
  const problems: string[] = [];
  const known = new Set(["maxAttempts", "baseDelayMs", "maxDelayMs", "maxAgeMs", "maxPermitWaitMs"]);
  for (const key of Object.keys(retry)) if (!known.has(key)) problems.push(`retry: unknown key "${key}"`);
  const whole = (key: keyof RetryPolicy, min: number) => {
    const value = retry[key];
    if (value === undefined && key === "maxPermitWaitMs") return;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
      problems.push(`retry.${key} must be a whole number ≥ ${min}, got ${describe(value)}`);
    }
  };
  whole("maxAttempts", 1);
  whole("baseDelayMs", 1);
  whole("maxDelayMs", 1);
  whole("maxAgeMs", 1_000);
  whole("maxPermitWaitMs", 1_000);
  if (retry.maxDelayMs < retry.baseDelayMs) problems.push("retry.maxDelayMs must be ≥ retry.baseDelayMs");
  return problems;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isEmail(value: unknown): boolean {
  return typeof value === "string" && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
}

export function parseUrl(value: unknown): URL | undefined {
  if (typeof value !== "string") return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

export function isHttpsUrl(value: unknown): boolean {
  return parseUrl(value)?.protocol === "https:";
}

export function isHttpUrl(value: unknown): boolean {
  const protocol = parseUrl(value)?.protocol;
  return protocol === "https:" || protocol === "http:";
}

export function describe(value: unknown): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}
