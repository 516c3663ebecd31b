import { describe, expect, it } from "vitest";
import { Turns } from "#core/limiter/turns.ts";

describe("Turns", () => {
  it("runs callers of one key one at a time, high priority first, others in order", async () => {
    const turns = new Turns();
    const order: string[] = [];
    let inside = 0;
    let release: () => void = () => {};
    const first = turns.run("k", "low", async () => {
      inside++;
      await new Promise<void>((r) => {
        release = r;
      });
      order.push("low-1");
      inside--;
    });
    const job = (name: string) => async () => {
      if (name === "other-key") return void order.push(name);
      inside++;
      expect(inside).toBe(1);
      order.push(name);
      inside--;
    };
    const rest = [
      turns.run("k", "low", job("low-2")),
      turns.run("k", "normal", job("normal")),
      turns.run("k", "high", job("high")),
      turns.run("other", "low", job("other-key")),
    ];
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual(["other-key"]);
    release();
    await Promise.all([first, ...rest]);
    expect(order).toEqual(["other-key", "low-1", "high", "normal", "low-2"]);
  });

  it("frees the key when a caller throws", async () => {
    const turns = new Turns();
    await expect(turns.run("k", "high", async () => Promise.reject(new Error("boom")))).rejects.toThrow(
      "boom",
    );
    expect(await turns.run("k", "low", async () => "next")).toBe("next");
  });
});
