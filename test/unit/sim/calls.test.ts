import { afterEach, describe, expect, it } from "vitest";
import type { RunningFake } from "../../../local/fakes/index.ts";
import { SERVED_REQUESTS } from "../../../local/fakes/serve.ts";
import { providerCalls } from "../../../sim/calls.ts";

const URL = "http://127.0.0.1:1";

const fake = (rateLimited: number): RunningFake => ({
  url: URL,
  env: {},
  connection: { settings: {} },
  stats: () => ({ requests: 0, rateLimited }),
  pid: undefined,
  onUnexpectedExit: () => undefined,
  stop: async () => undefined,
});

afterEach(() => {
  SERVED_REQUESTS.delete(URL);
});

describe("providerCalls", () => {
  it("maps what a fake served to the catalog's endpoint groups, under its base path", () => {
    // Prepare: what the ZwiftRacing fake (base path /api) served.
    SERVED_REQUESTS.set(
      URL,
      new Map([
        ["POST /api/public/riders", { calls: 3, rateLimited: 0 }],
        ["GET /api/events/upcoming", { calls: 2, rateLimited: 0 }],
        ["GET /api/events/4700001/signups", { calls: 5, rateLimited: 1 }],
        ["GET /api/nowhere", { calls: 1, rateLimited: 0 }],
      ]),
    );

    // Act
    const calls = providerCalls({ zwiftracing: fake(1) });

    // Assess
    expect(calls.byGroup).toEqual({
      "zwiftracing:events": 7,
      "zwiftracing:other": 1,
      "zwiftracing:riders-bulk": 3,
    });
    expect(calls.total).toBe(11);
    expect(calls.answers429).toBe(1);
  });
});
