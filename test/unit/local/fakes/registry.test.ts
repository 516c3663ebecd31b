import { afterEach, describe, expect, it } from "vitest";
import { catalog } from "#catalog/index.ts";
import { startFakes } from "../../../../local/fakes/index.ts";
import type { LocalLog } from "../../../../local/log.ts";

const saved = process.env.PACER_OPENF1_BASE_URL;

afterEach(() => {
  if (saved === undefined) delete process.env.PACER_OPENF1_BASE_URL;
  else process.env.PACER_OPENF1_BASE_URL = saved;
});

describe("startFakes", () => {
  it("starts no fake for a provider whose PACER_<ID>_BASE_URL is set, and says so", async () => {
    process.env.PACER_OPENF1_BASE_URL = "http://127.0.0.1:9/sandbox";
    const lines: string[] = [];
    const log: LocalLog = {
      info: (m) => lines.push(m),
      debug: () => {},
      warn: (m) => lines.push(m),
      notice: (m) => lines.push(m),
    };

    const fakes = await startFakes(catalog, log);

    expect(fakes).toEqual({});
    expect(lines).toEqual([
      "openf1: calling http://127.0.0.1:9/sandbox (PACER_OPENF1_BASE_URL), no fake started",
    ]);
  });
});
