import { describe, expect, it } from "vitest";
import { z } from "zod";
import { hours, minutes, type ProviderDef } from "#catalog/types.ts";
import { createConnection, getConnection, updateConnection } from "#core/connections/use-cases.ts";
import { PlanDoesNotFitError } from "#core/errors.ts";
import { SECRET, setup } from "./fakes.ts";

/**
 * A provider like ZwiftRacing's bulk riders endpoint: one hourly sync of 3 calls against 1 per
 * 15 min per key (premium: 10), and a deployment-wide 1 per minute on its status endpoint.
 */
const bulk = {
  id: "bulk",
  displayName: "Bulk",
  baseUrl: "http://bulk.invalid",
  tiers: [
    { id: "standard", description: "" },
    { id: "premium", description: "" },
  ],
  connection: {
    settings: z.object({ status: z.boolean().optional() }).strict(),
    credentials: z.object({ apiKey: z.string().min(1) }).strict(),
  },
  limits: [
    { id: "riders", calls: 1, perMs: minutes(15), scope: "tenant", tiers: { premium: 10 } },
    { id: "status", calls: 1, perMs: minutes(1), scope: "global" },
  ],
  endpointGroups: [
    { id: "riders", limits: ["riders"], endpoints: ["POST /riders"] },
    { id: "status", limits: ["status"], endpoints: ["GET /status"] },
  ],
  syncTypes: [
    {
      id: "riders",
      description: "",
      direction: "pull",
      calls: { riders: 3 },
      cadence: { kind: "rate", everyMs: hours(1) },
      priority: "normal",
      entityTypes: ["riders"],
    },
    {
      id: "status",
      description: "",
      direction: "pull",
      calls: { status: 1 },
      cadence: { kind: "rate", everyMs: hours(1) },
      priority: "low",
      entityTypes: ["status"],
      requiresSetting: "status",
    },
  ],
} as const satisfies ProviderDef;

const OVERFLOW = 'bulk limit "riders" (tenant key): 2 calls planned in the worst 15 min window, 1 allowed';
const world = () => setup({ catalog: { providers: [bulk] } });
const body = (apiKey: string, over: Record<string, unknown> = {}) => ({
  provider: "bulk",
  credentials: { apiKey },
  ...over,
});

const refusal = (attempt: Promise<unknown>) =>
  attempt.then(
    () => {
      throw new Error("expected a refusal");
    },
    (error: unknown) => error,
  );

describe("connection planning", () => {
  it("refuses a second connection with the same key, with the report, writing nothing", async () => {
    // Prepare: one connection's 3 calls an hour fit 4 windows of 15 min; two connections' 6 do not.
    const { deps, connections, secrets, schedules } = world();
    await createConnection(deps, "acme", body(SECRET));

    // Act
    const error = await refusal(createConnection(deps, "acme", body(SECRET)));

    // Assess
    expect(error).toBeInstanceOf(PlanDoesNotFitError);
    expect((error as PlanDoesNotFitError).httpStatus).toBe(422);
    expect((error as Error).message).toContain(OVERFLOW);
    expect([connections.records.size, secrets.values.size, schedules.names().length]).toEqual([1, 1, 1]);
  });

  it("accepts the same plan under another key: another key is another budget", async () => {
    const { deps, schedules } = world();
    await createConnection(deps, "acme", body(SECRET));

    await createConnection(deps, "globex", body("another-key"));

    expect(schedules.names()).toHaveLength(2);
  });

  it("refuses a tier change that would not fit, and keeps the connection as it was", async () => {
    // Prepare: on premium (10 per 15 min) two connections of one key fit.
    const { deps, connections } = world();
    await createConnection(deps, "acme", body(SECRET, { tier: "premium" }));
    const second = await createConnection(deps, "acme", body(SECRET, { tier: "premium" }));

    // Act
    const error = await refusal(updateConnection(deps, "acme", second.connectionId, { tier: "standard" }));

    // Assess
    expect(error).toBeInstanceOf(PlanDoesNotFitError);
    expect((error as Error).message).toContain(OVERFLOW);
    expect((await connections.get("acme", second.connectionId))?.tier).toBe("premium");
  });

  it("refuses enabling a connection whose budget others took meanwhile", async () => {
    const { deps, schedules } = world();
    const first = await createConnection(deps, "acme", body(SECRET));
    await updateConnection(deps, "acme", first.connectionId, { enabled: false });
    await createConnection(deps, "acme", body(SECRET));

    const error = await refusal(updateConnection(deps, "acme", first.connectionId, { enabled: true }));

    expect((error as Error).message).toContain(OVERFLOW);
    expect(schedules.names().filter((n) => n.startsWith(first.connectionId))).toEqual([]);
  });

  it("places tenants sharing a global limit on different minutes, and keeps each where it was put", async () => {
    const { deps, schedules } = world();
    const a = await createConnection(deps, "acme", body("key-a", { settings: { status: true } }));
    const aStatus = schedules.active.get(`${a.connectionId}.status`)?.expression;

    const b = await createConnection(deps, "globex", body("key-b", { settings: { status: true } }));

    const bStatus = schedules.active.get(`${b.connectionId}.status`)?.expression;
    expect(aStatus).toMatch(/^cron\(\d+ \* \* \* \? \*\)$/);
    expect(bStatus).toMatch(/^cron\(\d+ \* \* \* \? \*\)$/);
    expect(bStatus).not.toBe(aStatus);
    expect(schedules.active.get(`${a.connectionId}.status`)?.expression).toBe(aStatus);
  });

  it("shows each limit's planned calls and headroom, counting what shares the budget", async () => {
    // Prepare: five connections of one key, 3 calls an hour each, on premium (10 per 15 min).
    const { deps } = world();
    const first = await createConnection(deps, "acme", body(SECRET, { tier: "premium" }));
    for (let i = 0; i < 4; i++) await createConnection(deps, "acme", body(SECRET, { tier: "premium" }));

    // Act
    const view = await getConnection(deps, "acme", first.connectionId);

    // Assess: spread over the hour's four quarters, the busiest holds two runs: 6 of 10.
    expect(view.limits.find((l) => l.limitId === "riders")).toMatchObject({
      plannedWindowMs: minutes(15),
      planned: 6,
      headroom: 4,
    });
  });

  it("shows a global limit another tenant shares as numbers only: no other connection, no secret", async () => {
    const { deps } = world();
    const own = await createConnection(deps, "acme", body(SECRET, { settings: { status: true } }));
    const theirs = await createConnection(deps, "globex", body("their-key", { settings: { status: true } }));

    const view = await getConnection(deps, "acme", own.connectionId);

    expect(view.limits.find((l) => l.limitId === "status")).toMatchObject({ planned: 1, headroom: 0 });
    const shown = JSON.stringify(view);
    expect(shown).not.toContain(theirs.connectionId);
    expect(shown).not.toContain("globex");
    expect(shown).not.toContain(SECRET);
    expect(shown).not.toContain("their-key");
  });
});
