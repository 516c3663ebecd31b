import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createConnection, getConnection, listConnections } from "#core/connections/use-cases.ts";
import { ValidationError } from "#core/errors.ts";
import { CONNECTION_ID_PATTERN } from "#core/job.ts";
import { club, clubBody, SECRET, setup } from "./fakes.ts";

describe("createConnection", () => {
  it("keeps the credentials in a secret, records the connection enabled and puts its schedules", async () => {
    const { deps, connections, secrets, schedules } = setup();

    const view = await createConnection(deps, "acme", clubBody());

    expect(view).toMatchObject({ provider: "club", tier: "standard", enabled: true, version: 1 });
    expect(secrets.values.get(`pacer/connections/${view.connectionId}`)).toEqual({ apiKey: SECRET });
    const record = await connections.get("acme", view.connectionId);
    expect(record).toMatchObject({
      secretName: `pacer/connections/${view.connectionId}`,
      settings: { clubId: 42 },
    });
    // members runs hourly; results is manual; insights needs `experimental`.
    expect(schedules.names()).toEqual([`${view.connectionId}.members`]);
    expect(record?.schedules).toEqual([`${view.connectionId}.members`]);
  });

  it("mints ids of c- and 20 lowercase hex digits, each new", async () => {
    const { deps } = setup({ newId: undefined });

    const a = await createConnection(deps, "acme", clubBody());
    const b = await createConnection(deps, "acme", clubBody());

    expect(a.connectionId).toMatch(CONNECTION_ID_PATTERN);
    expect(b.connectionId).toMatch(CONNECTION_ID_PATTERN);
    expect(a.connectionId).not.toBe(b.connectionId);
  });

  it("shows what runs and the limits of its tier, which a premium tier raises", async () => {
    const { deps } = setup();

    const view = await createConnection(deps, "acme", clubBody({ tier: "premium", settings: { clubId: 7 } }));

    expect(view.syncTypes).toEqual([
      { syncType: "members", cadence: "every 3600 s", scheduled: true, enabled: true },
      { syncType: "results", cadence: "manual", scheduled: false, enabled: true },
      { syncType: "insights", cadence: "cron(0 4 * * ? *)", scheduled: false, enabled: false },
    ]);
    expect(view.limits).toEqual([
      {
        limitId: "per-key",
        scope: "tenant",
        calls: 50,
        perMs: 60_000,
        endpointGroups: ["public"],
        shared: "credentials",
        // 50 per minute on premium, 48 of them for scheduled work; members hourly takes 1.
        plannedWindowMs: 60_000,
        planned: 1,
        headroom: 47,
      },
      {
        limitId: "per-ip",
        scope: "global",
        calls: 100,
        perMs: 60_000,
        endpointGroups: ["public", "beta"],
        shared: "deployment",
        plannedWindowMs: 60_000,
        planned: 1,
        headroom: 94,
      },
    ]);
    expect(view.credentials?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it("connects openf1 without credentials: no secret, a budget of its own, its around-the-clock schedules", async () => {
    const { deps, connections, secrets, schedules } = setup();

    const view = await createConnection(deps, "acme", { provider: "openf1" });

    expect(view).toMatchObject({ tier: "free", credentials: null, settings: {} });
    expect(secrets.values.size).toBe(0);
    const record = await connections.get("acme", view.connectionId);
    expect(record?.secretName).toBeUndefined();
    expect(record?.budgetKey).toBe(`conn-${view.connectionId}`);
    // weather and race_control are windowed: scheduled per live session, not around the clock.
    expect(schedules.names()).toEqual(["meetings", "sessions"].map((s) => `${view.connectionId}.${s}`));
  });

  it("lists the caller's connections oldest first and reads one back", async () => {
    const { deps, advance } = setup();
    const first = await createConnection(deps, "acme", clubBody());
    advance(1_000);
    const second = await createConnection(deps, "acme", { provider: "openf1" });

    const listed = await listConnections(deps, "acme");
    const read = await getConnection(deps, "acme", second.connectionId);

    expect(listed.connections.map((c) => c.connectionId)).toEqual([first.connectionId, second.connectionId]);
    expect(read).toEqual(second);
  });
});

describe("createConnection refuses, naming the field", () => {
  const cases: [string, unknown, string][] = [
    ["an unknown provider", { provider: "x" }, 'provider: unknown provider "x" (known: openf1, club)'],
    [
      "a tier the provider does not sell",
      clubBody({ tier: "gold" }),
      "tier: club has tiers standard, premium",
    ],
    [
      "a malformed setting",
      clubBody({ settings: { clubId: -3 } }),
      "settings.clubId: expected a positive integer",
    ],
    ["a missing setting", clubBody({ settings: {} }), "settings.clubId: required"],
    [
      "an unknown setting",
      clubBody({ settings: { clubId: 1, colour: "red" } }),
      "settings.colour: not a setting of club (known: clubId, experimental, label)",
    ],
    ["missing credentials", clubBody({ credentials: undefined }), "credentials.apiKey: required"],
    [
      "an unknown credential",
      clubBody({ credentials: { apiKey: "abc", secret: "x" } }),
      "credentials.secret: not a credential of club (known: apiKey)",
    ],
    [
      "a credential that is not a string",
      clubBody({ credentials: { apiKey: 5 } }),
      "credentials.apiKey: expected a string",
    ],
    [
      "too many credentials",
      clubBody({ credentials: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])) }),
      "credentials: at most 16 credentials, got 17",
    ],
    [
      "a credential value over 4 KB",
      clubBody({ credentials: { apiKey: "a".repeat(4_097) } }),
      "credentials.apiKey: at most 4096 characters",
    ],
    [
      "settings over 8 KB",
      clubBody({ settings: { clubId: 1, label: "x".repeat(8_200) } }),
      "settings: at most 8192 characters as JSON, got 8223",
    ],
    [
      "a field the body does not have",
      clubBody({ owner: "me" }),
      "owner: not a field of the body (known: provider, tier, credentials, settings, activeHours, refreshOnRead)",
    ],
    [
      "incomplete openf1 credentials",
      { provider: "openf1", credentials: { username: "u" } },
      "credentials.password: required",
    ],
  ];
  for (const [what, body, message] of cases) {
    it(`refuses ${what}`, async () => {
      const { deps, connections, secrets, schedules } = setup();

      const attempt = createConnection(deps, "acme", body);

      await expect(attempt).rejects.toThrow(ValidationError);
      await expect(attempt).rejects.toThrow(message);
      expect([connections.records.size, secrets.values.size, schedules.calls.length]).toEqual([0, 0, 0]);
    });
  }

  it("refuses credentials to a provider that takes none", async () => {
    const open = { ...club, id: "open", connection: { settings: z.object({}).strict() } };
    const { deps, secrets } = setup({ catalog: { providers: [open] } });

    const attempt = createConnection(deps, "acme", { provider: "open", credentials: { apiKey: "abc" } });

    await expect(attempt).rejects.toThrow("credentials: open takes no credentials");
    expect(secrets.values.size).toBe(0);
  });

  it("refuses a __proto__ credential rather than dropping it", async () => {
    const { deps } = setup();
    const body = JSON.parse(
      `{"provider":"club","settings":{"clubId":1},"credentials":{"__proto__":"x","apiKey":"abc"}}`,
    );

    await expect(createConnection(deps, "acme", body)).rejects.toThrow(
      'credentials: "__proto__": a name is a letter then up to 63 letters, digits or _',
    );
  });
});
