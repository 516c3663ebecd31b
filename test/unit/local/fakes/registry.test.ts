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

describe("openf1Fake.env", () => {
  it("gives the worker the account the fake accepts: a fixed username, the start's secret as password", () => {
    const env = openf1Fake.env({ url: "http://127.0.0.1:4100", secret: "f00d" });

    expect(env).toEqual({ PACER_OPENF1_USERNAME: "pacer-local", PACER_OPENF1_PASSWORD: "f00d" });
  });
});

describe("startFakes", () => {
  it("starts no fake for a provider whose PACER_<ID>_BASE_URL is set, and says so", async () => {
    process.env.PACER_OPENF1_BASE_URL = "http://127.0.0.1:9/sandbox";
    const { log, lines } = recordingLog();

    const fakes = await startFakes(catalog, log);

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
