import { afterEach, describe, expect, it } from "vitest";
import { catalog } from "#catalog/index.ts";
import type { ProviderDef } from "#catalog/types.ts";
import { openf1 } from "#providers/openf1/definition.ts";
import { FAKES } from "../../../../local/fakes/all.ts";
import { startFakes } from "../../../../local/fakes/index.ts";
import { openf1Fake } from "../../../../local/fakes/openf1/index.ts";
import type { LocalLog } from "../../../../local/log.ts";

const saved = process.env.PACER_OPENF1_BASE_URL;

afterEach(() => {
  if (saved === undefined) delete process.env.PACER_OPENF1_BASE_URL;
  else process.env.PACER_OPENF1_BASE_URL = saved;
});

function recordingLog() {
  const lines: string[] = [];
  const log: LocalLog = {
    info: (m) => lines.push(m),
    debug: () => {},
    warn: (m) => lines.push(`warn: ${m}`),
    notice: (m) => lines.push(m),
  };
  return { log, lines };
}

describe("FAKES", () => {
  it("holds one fake per catalog provider", () => {
    const fakeIds = FAKES.map((fake) => fake.id).sort();

    expect(fakeIds).toEqual(catalog.providers.map((provider) => provider.id).sort());
  });
});

describe("openf1Fake.connection", () => {
  it("connects the demo tenant with the account the fake accepts: a fixed username, the start's secret as password", () => {
    const connection = openf1Fake.connection({ url: "http://127.0.0.1:4100", secret: "f00d" });

    expect(connection).toEqual({
      tier: "free",
      credentials: { username: "pacer-local", password: "f00d" },
      settings: {},
    });
  });
});

describe("each fake's connection", () => {
  it.each(FAKES.map((fake) => [fake.id, fake] as const))(
    "is one %s's connection schema accepts",
    (id, fake) => {
      const provider = catalog.providers.find((p) => p.id === id);
      const connection = fake.connection({ url: "http://127.0.0.1:4100", secret: "f00d" });

      expect(provider?.tiers.map((t) => t.id)).toContain(connection.tier ?? provider?.tiers[0].id);
      expect(provider?.connection.settings.safeParse(connection.settings).success).toBe(true);
      if (connection.credentials !== undefined) {
        expect(provider?.connection.credentials?.safeParse(connection.credentials).success).toBe(true);
      }
    },
  );
});

describe("startFakes", () => {
  it("starts no fake for a provider whose PACER_<ID>_BASE_URL is set, and says so", async () => {
    process.env.PACER_OPENF1_BASE_URL = "http://127.0.0.1:9/sandbox";
    const { log, lines } = recordingLog();

    // OpenF1 alone: the catalog's other providers have fakes this test would start.
    const fakes = await startFakes({ providers: [openf1] }, log);

    expect(fakes).toEqual({});
    expect(lines).toEqual([
      "openf1: calling http://127.0.0.1:9/sandbox (PACER_OPENF1_BASE_URL), no fake started",
    ]);
  });

  it("warns that a provider without a fake will be called for real", async () => {
    const tides: ProviderDef = { ...openf1, id: "tides", baseUrl: "https://tides.example" };
    const { log, lines } = recordingLog();

    const fakes = await startFakes({ providers: [tides] }, log);

    expect(fakes).toEqual({});
    expect(lines).toEqual(["warn: tides: no fake server; its worker will call https://tides.example"]);
  });
});
