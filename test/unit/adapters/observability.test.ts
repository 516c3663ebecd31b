import { afterEach, describe, expect, it, vi } from "vitest";

// The tracer is chosen when the module loads, from the environment: each case loads it afresh.
async function loadTracing(traceEnabled: string | undefined) {
  vi.resetModules();
  if (traceEnabled === undefined) vi.stubEnv("POWERTOOLS_TRACE_ENABLED", undefined);
  else vi.stubEnv("POWERTOOLS_TRACE_ENABLED", traceEnabled);
  return (await import("#adapters/observability.ts")).tracing;
}

describe("tracing middleware", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("is Powertools' captureLambdaHandler when tracing is on (the deployed default)", async () => {
    const tracing = await loadTracing(undefined);
    expect(tracing).toHaveLength(1);
    expect(tracing[0]).toEqual(
      expect.objectContaining({ before: expect.any(Function), after: expect.any(Function) }),
    );
  });

  it.each(["false", "FALSE"])(
    "is nothing when POWERTOOLS_TRACE_ENABLED=%s (local stack, simulator)",
    async (value) => {
      expect(await loadTracing(value)).toEqual([]);
    },
  );
});
