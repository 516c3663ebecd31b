import { describe, expect, it } from "vitest";
import { z } from "zod";
import { catalog } from "#catalog/index.ts";
import { ConnectionViewSchema, connectionRequestBodies } from "#core/connections/schemas.ts";
import { createConnection } from "#core/connections/use-cases.ts";
import { clubBody, setup, testCatalog } from "./fakes.ts";

describe("connectionRequestBodies", () => {
  const bodies = connectionRequestBodies(testCatalog);

  it("accepts each provider's body with its own tiers, settings and credentials", () => {
    expect(bodies.safeParse(clubBody({ tier: "premium" })).success).toBe(true);
    expect(bodies.safeParse({ provider: "openf1", tier: "paid" }).success).toBe(true);
  });

  it("refuses what a provider's own schemas refuse: its tiers, its required credentials, its settings", () => {
    expect(bodies.safeParse(clubBody({ tier: "paid" })).success).toBe(false);
    expect(bodies.safeParse(clubBody({ credentials: undefined })).success).toBe(false);
    expect(bodies.safeParse(clubBody({ settings: { clubId: "x" } })).success).toBe(false);
    expect(bodies.safeParse({ provider: "nope" }).success).toBe(false);
  });

  it("converts to JSON Schema for the OpenAPI document, one titled variant per provider", () => {
    const json = z.toJSONSchema(connectionRequestBodies(catalog), { io: "input", unrepresentable: "throw" });

    const variants = (json.anyOf ?? [json]) as { title?: string }[];
    expect(variants.map((v) => v.title)).toEqual(catalog.providers.map((p) => `connection/${p.id}`));
  });
});

describe("ConnectionViewSchema", () => {
  it("documents exactly the view the use cases return", async () => {
    const { deps } = setup();
    const view = await createConnection(deps, "acme", clubBody());

    expect(ConnectionViewSchema.strict().parse(view)).toEqual(view);
    expect(z.toJSONSchema(ConnectionViewSchema, { io: "output", unrepresentable: "throw" })).toMatchObject({
      title: "Connection",
    });
  });
});
