import type { Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { currentInvocation, InvocationKilledError } from "../../../../local/aws/invocation.ts";
import { invoke, LambdaTimeoutError } from "../../../../local/aws/lambda.ts";

const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("invoke", () => {
  it("runs each invocation in its own context, seen across awaits", async () => {
    const seen = await Promise.all(
      ["a", "b"].map((name) =>
        invoke(
          {
            name,
            timeoutMs: 5_000,
            handler: async (_event: unknown, context: Context) => {
              await later(5);
              const invocation = currentInvocation();
              return { name: invocation?.functionName, same: invocation?.requestId === context.awsRequestId };
            },
          },
          {},
        ),
      ),
    );

    expect(seen).toEqual([
      { name: "a", same: true },
      { name: "b", same: true },
    ]);
    expect(currentInvocation()).toBeUndefined();
  });

  it("rejects a killed invocation and aborts its signal, so what it still tries can be refused", async () => {
    const kill = new AbortController();
    let signal: AbortSignal | undefined;
    const running = invoke(
      {
        name: "worker",
        timeoutMs: 5_000,
        handler: async () => {
          signal = currentInvocation()?.signal;
          await new Promise(() => {});
        },
      },
      {},
      { kill: kill.signal },
    );
    while (!signal) await later(1);

    kill.abort();

    await expect(running).rejects.toBeInstanceOf(InvocationKilledError);
    expect(signal.aborted).toBe(true);
  });

  it("aborts the signal of an invocation that timed out", async () => {
    let signal: AbortSignal | undefined;

    await expect(
      invoke(
        {
          name: "slow",
          timeoutMs: 20,
          handler: async () => {
            signal = currentInvocation()?.signal;
            await new Promise(() => {});
          },
        },
        {},
      ),
    ).rejects.toBeInstanceOf(LambdaTimeoutError);
    expect(signal?.aborted).toBe(true);
  });

  it("leaves the signal of an invocation that returned alone", async () => {
    let signal: AbortSignal | undefined;
    await invoke(
      {
        name: "quick",
        timeoutMs: 1_000,
        handler: async () => {
          signal = currentInvocation()?.signal;
        },
      },
      {},
    );

    expect(signal?.aborted).toBe(false);
  });
});
