import { describe, expect, it } from "vitest";
import type { Priority } from "#catalog/types.ts";
import { Batches } from "#core/limiter/batches.ts";

interface Ask {
  readonly name: string;
  readonly priority: Priority;
}

/** A server that records each batch it serves and holds the first one until told to go on. */
function recordingServer() {
  const served: string[][] = [];
  let goOn: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    goOn = resolve;
  });
  const batches = new Batches<Ask, string>(async (key, batch) => {
    served.push(batch.map((ask) => ask.name));
    if (served.length === 1) await held;
    return batch.map((ask) => `${key}:${ask.name}`);
  });
  return { batches, served, goOn };
}

describe("Batches", () => {
  it("serves the callers of one turn together, and those who come meanwhile as the next batch, high first", async () => {
    const { batches, served, goOn } = recordingServer();
    const first = [
      batches.run("k", { name: "low-1", priority: "low" }),
      batches.run("k", { name: "low-2", priority: "low" }),
    ];
    await new Promise((r) => setTimeout(r, 5));
    const later = [
      batches.run("k", { name: "low-3", priority: "low" }),
      batches.run("k", { name: "normal", priority: "normal" }),
      batches.run("k", { name: "high", priority: "high" }),
    ];
    const other = batches.run("other", { name: "elsewhere", priority: "low" });
    await new Promise((r) => setTimeout(r, 5));
    // One batch at a time per key; another key is served meanwhile.
    expect(served).toEqual([["low-1", "low-2"], ["elsewhere"]]);
    goOn();
    expect(await Promise.all([...first, ...later, other])).toEqual([
      "k:low-1",
      "k:low-2",
      "k:low-3",
      "k:normal",
      "k:high",
      "other:elsewhere",
    ]);
    expect(served).toEqual([["low-1", "low-2"], ["elsewhere"], ["high", "normal", "low-3"]]);
  });

  it("fails every caller of a batch the server failed, and serves the next batch all the same", async () => {
    let calls = 0;
    const batches = new Batches<Ask, string>(async (_, batch) => {
      calls++;
      if (calls === 1) throw new Error("boom");
      return batch.map((ask) => ask.name);
    });
    await expect(batches.run("k", { name: "a", priority: "high" })).rejects.toThrow("boom");
    expect(await batches.run("k", { name: "b", priority: "low" })).toBe("b");
  });
});
