import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { limitsForGroup } from "#catalog/index.ts";
import { zwiftracing } from "#providers/zwiftracing/definition.ts";
import {
  GROUP_LIMITS,
  GROUPS,
  TIERS,
  zwiftracingFake,
} from "../../../../../local/fakes/zwiftracing/index.ts";
import { CLUBS, clubPage } from "../../../../../local/fakes/zwiftracing/riders.ts";
import { call, type Json } from "./harness.ts";

describe("zwiftracingFake", () => {
  it("connects the demo tenant with a standard key the started fake accepts, to club 1001", async () => {
    const fake = await zwiftracingFake.start({ secret: "f00d" });
    try {
      const connection = zwiftracingFake.connection({ url: fake.url, secret: "f00d" });
      const apiKey = connection.credentials?.apiKey ?? "";

      const first = await call(fake, "/api/public/clubs/1001", { key: apiKey });
      const second = await call(fake, "/api/public/clubs/1001/0", { key: apiKey });

      expect(connection).toMatchObject({ tier: "standard", settings: { clubId: 1001, experimental: true } });
      expect(apiKey).toMatch(/^[0-9a-f]{24}$/);
      expect((first.body as Json).name).toBe("Pacer Demo Club");
      expect(second.status).toBe(429);
    } finally {
      await fake.stop();
    }
  });

  it("derives different keys from different secrets", () => {
    const one = zwiftracingFake.connection({ url: "http://127.0.0.1:1", secret: "one" });
    const two = zwiftracingFake.connection({ url: "http://127.0.0.1:1", secret: "two" });

    expect(one.credentials?.apiKey).not.toBe(two.credentials?.apiKey);
  });
});

describe("the fake's limits", () => {
  it("are the catalog's, group by group and tier by tier, so the limiter is tested against the same numbers", () => {
    // The fake keeps its own table on purpose (it stands in for ZwiftRacing, not for the catalog).
    const fake = GROUPS.flatMap((group) =>
      TIERS.map((tier) => ({ group, tier, ...GROUP_LIMITS[group][tier] })),
    );

    const catalog = fake.map(({ group, tier }) => {
      const [limit, ...more] = limitsForGroup(zwiftracing, group, tier);
      return { group, tier, calls: limit?.calls, perMs: limit?.perMs, more: more.length };
    });

    expect(catalog).toEqual(fake.map((limit) => ({ ...limit, more: 0 })));
    expect(zwiftracing.endpointGroups.map((group) => group.id).sort()).toEqual([...GROUPS].sort());
  });
});

describe("clubPage", () => {
  const members = CLUBS.get(1001)?.memberIds ?? [];
  const hour = 493_000;

  it("holds, after any riderId, exactly the next members above it, at most 1000", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: (members.at(-1) ?? 0) + 10 }), (after) => {
        const page = clubPage(1001, after, hour)?.riders.map((rider) => rider.riderId);

        expect(page).toEqual(members.filter((id) => id > after).slice(0, 1_000));
      }),
      { numRuns: 25 },
    );
  });
});
