import { type LocalStack, startLocalStack } from "../../../local/stack.ts";
import { catalogOf } from "./target.ts";

/**
 * A local stack with only ZwiftRacing, no fake connections, at `timeScale`, its fake issuing each
 * of `keys` on the standard tier: the setup the ZwiftRacing suites share.
 */
export async function startZwiftStack(timeScale: number, keys: readonly string[]): Promise<LocalStack> {
  const stack = await startLocalStack({
    quiet: true,
    catalog: catalogOf(["zwiftracing"]),
    scheduler: false,
    connectFakes: false,
    timeScale,
  });
  const fake = stack.fakes.zwiftracing?.url;
  for (const key of keys) {
    const registered = await fetch(`${fake}/_fake/keys`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key, tier: "standard" }),
    });
    if (registered.status !== 201) throw new Error(`the fake refused key registration: ${registered.status}`);
  }
  return stack;
}
