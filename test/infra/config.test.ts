import { App, Duration } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { describe, expect, it } from "vitest";
import { catalog } from "#catalog/index.ts";
import { type Catalog, days, hours, seconds } from "#catalog/types.ts";
import { defaultConfig, type PacerConfigInput, resolveConfig } from "../../lib/config.ts";
import { freshnessThresholdSeconds } from "../../lib/constructs/observability.ts";
import { composePacer } from "../../lib/pacer-app.ts";

function problemsOf(input: unknown, withCatalog?: Catalog): string {
  try {
    resolveConfig(input as PacerConfigInput, withCatalog);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("resolveConfig accepted the config");
}

describe("resolveConfig", () => {
  it("fills every default when given nothing", () => {
    // Act
    const config = resolveConfig({});

    // Assess
    expect(config).toEqual({
      jobRetentionDays: 30,
      historyRetentionDays: 90,
      auth: { kind: "cognito" },
      providerBaseUrls: {},
      logRetention: RetentionDays.ONE_MONTH,
      apiThrottle: { rateLimit: 10, burstLimit: 20 },
      retry: { maxAttempts: 5, baseDelayMs: 2_000, maxDelayMs: 300_000, maxAgeMs: 3_600_000 },
      providerRedirectHosts: {},
    });
  });

  it("merges given keys over the defaults and keeps the rest", () => {
    // Act
    const config = resolveConfig({
      alarmEmail: "ops@example.com",
      auth: {
        kind: "oidc",
        issuer: "https://id.example.com",
        jwksUrl: "https://id.example.com/jwks",
        tenantClaim: "org",
      },
      providerBaseUrls: { openf1: "http://localhost:9000" },
    });

    // Assess
    expect(config.alarmEmail).toBe("ops@example.com");
    expect(config.auth).toMatchObject({ kind: "oidc", tenantClaim: "org" });
    expect(config.providerBaseUrls).toEqual({ openf1: "http://localhost:9000" });
    expect(config.jobRetentionDays).toBe(defaultConfig().jobRetentionDays);
  });

  it("rejects a bad config with one error that lists every problem", () => {
    // Prepare
    const bad = {
      jobRetentionDays: 0,
      historyRetentionDays: 1.5,
      alarmEmail: "not-an-email",
      auth: { kind: "oidc", issuer: "http://insecure.example", jwksUrl: "nope", tenantClaim: "" },
      providerBaseUrls: { nosuch: "https://x.example", openf1: "ftp://x.example" },
      logRetention: 31,
      apiThrottle: { rateLimit: 0, burstLimit: "many" },
      webAclArn: "arn:aws:s3:::bucket",
      scheduledTenant: ["typo"],
    };

    // Act
    const message = problemsOf(bad);

    // Assess
    for (const expected of [
      'unknown key "scheduledTenant"',
      "jobRetentionDays must be a whole number of days",
      "historyRetentionDays must be a whole number of days",
      "alarmEmail must be an email address",
      "auth.issuer must be an https URL",
      "auth.jwksUrl must be an https URL",
      "auth.tenantClaim must name the claim",
      'providerBaseUrls: unknown provider "nosuch"',
      "providerBaseUrls.openf1 must be an http(s) URL",
      "logRetention must be one of CloudWatch's retention periods",
      "apiThrottle.rateLimit must be a whole number",
      "apiThrottle.burstLimit must be a whole number",
      "webAclArn must be a regional WAFv2 web ACL ARN",
    ]) {
      expect(message).toContain(expected);
    }
    expect(message).toMatch(/\(13 problems\)/);
  });

  it("merges a partial retry budget over the defaults and refuses an unusable one", () => {
    expect(resolveConfig({ retry: { maxAttempts: 3 } } as PacerConfigInput).retry).toEqual({
      maxAttempts: 3,
      baseDelayMs: 2_000,
      maxDelayMs: 300_000,
      maxAgeMs: 3_600_000,
    });
    const message = problemsOf({
      retry: { maxAttempts: 0, baseDelayMs: 10_000, maxDelayMs: 5_000, tries: 2 },
      providerRedirectHosts: { openf1: ["cdn.example.com", "not a host"], nope: [] },
    });
    expect(message).toMatch(/retry: unknown key "tries"/);
    expect(message).toMatch(/retry\.maxAttempts must be a whole number ≥ 1, got 0/);
    expect(message).toMatch(/retry\.maxDelayMs must be ≥ retry\.baseDelayMs/);
    expect(message).toMatch(/providerRedirectHosts\.openf1 must be an array of host names/);
    expect(message).toMatch(/providerRedirectHosts: unknown provider "nope"/);
  });

  it("rejects an unknown auth kind and settings on cognito", () => {
    expect(problemsOf({ auth: { kind: "saml" } })).toContain('auth.kind must be "cognito" or "oidc"');
    expect(problemsOf({ auth: { kind: "cognito", issuer: "https://x" } })).toContain(
      "cognito takes no settings",
    );
  });

  it("tells a deployment that still lists scheduledTenants that tenants now connect at run time", () => {
    // Act
    const message = problemsOf({ scheduledTenants: ["acme"] });

    // Assess
    expect(message).toContain(
      'scheduledTenants was removed: tenants connect providers at run time (POST /connections); see README "Connections"',
    );
    expect(message).not.toContain("unknown key");
  });

  it("tells a deployment that still sets providerSecrets that credentials are per connection now", () => {
    // Act
    const message = problemsOf({ providerSecrets: { openf1: "pacer/openf1" } });

    // Assess
    expect(message).toContain("providerSecrets was removed: credentials are per connection now");
    expect(message).toContain("POST /connections");
  });

  it("includes the catalog's problems: one connection's schedules need more calls than a limit allows", () => {
    // Prepare: weather every second costs 60 calls a minute; openf1 allows 30 (29 to scheduled work).
    const openf1 = catalog.providers.find((p) => p.id === "openf1");
    if (!openf1) throw new Error("catalog has no openf1");
    const greedy: Catalog = {
      providers: [
        {
          ...openf1,
          syncTypes: openf1.syncTypes.map((s) =>
            s.id === "weather" ? { ...s, cadence: { kind: "rate", everyMs: seconds(1) } } : s,
          ),
        },
      ],
    };

    // Act
    const message = problemsOf({}, greedy);

    // Assess
    expect(message).toMatch(
      /catalog: openf1 limit "per-minute" \(global\): \d+ calls planned in the worst 1 min window, 29 allowed \(one connection on tier "free"\)/,
    );
  });

  it("fails a synth of the app whose catalog plans more calls than a limit allows, with the report", () => {
    // Prepare: ZwiftRacing's 3 club pages hourly instead of daily, against 1 per hour.
    const zwift = catalog.providers.find((p) => p.id === "zwiftracing");
    if (!zwift) throw new Error("catalog has no zwiftracing");
    const overflowing: Catalog = {
      providers: [
        {
          ...zwift,
          syncTypes: zwift.syncTypes.map((s) =>
            s.id === "clubMembers" ? { ...s, cadence: { kind: "rate", everyMs: hours(1) } } : s,
          ),
        },
      ],
    };

    // Act
    const synth = () => {
      const app = new App();
      composePacer(app, resolveConfig({}, overflowing), { catalog: overflowing });
      app.synth();
    };

    // Assess
    expect(synth).toThrow(
      'catalog: zwiftracing limit "clubs" (tenant key): 3 calls planned in the worst 60 min window, 1 allowed (one connection on tier "standard")',
    );
  });

  it("includes the catalog's problems: a sync type calling an endpoint group that does not exist", () => {
    // Prepare
    const openf1 = catalog.providers.find((p) => p.id === "openf1");
    if (!openf1) throw new Error("catalog has no openf1");
    const broken: Catalog = {
      providers: [
        {
          ...openf1,
          syncTypes: openf1.syncTypes.map((s) => (s.id === "sessions" ? { ...s, calls: { nope: 1 } } : s)),
        },
      ],
    };

    // Act
    const message = problemsOf({}, broken);

    // Assess
    expect(message).toContain('catalog: openf1/sessions: unknown endpoint group "nope"');
  });
});

describe("freshnessThresholdSeconds", () => {
  const monitor = Duration.minutes(5);
  const base = {
    description: "",
    direction: "pull",
    calls: { api: 1 },
    priority: "normal",
    entityTypes: [],
  } as const;

  it("is twice the cadence for cadences slower than the monitor", () => {
    expect(
      freshnessThresholdSeconds({ ...base, id: "h", cadence: { kind: "rate", everyMs: hours(1) } }, monitor),
    ).toBe(7200);
    expect(
      freshnessThresholdSeconds(
        {
          ...base,
          id: "d",
          cadence: { kind: "cron", expression: "cron(0 0 * * ? *)", approxEveryMs: days(1) },
        },
        monitor,
      ),
    ).toBe(172_800);
  });

  it("is two monitor periods for sub-minute cadences, which the monitor cannot see finer", () => {
    expect(
      freshnessThresholdSeconds(
        { ...base, id: "s", cadence: { kind: "rate", everyMs: seconds(30) } },
        monitor,
      ),
    ).toBe(600);
  });

  it("is undefined for manual sync types", () => {
    expect(
      freshnessThresholdSeconds({ ...base, id: "m", cadence: { kind: "manual" } }, monitor),
    ).toBeUndefined();
  });
});
