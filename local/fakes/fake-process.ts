/**
 * Runs one fake provider (of ./all.ts) in a process of its own, so that its clock, and the order
 * in which it sees requests, are not bent by whatever blocks the stand-in's event loop: a real
 * provider does not share Pacer's CPU either. Started by local/fakes/index.ts; speaks to it over IPC:
 * → `{ type: "ready", url }` once listening, → `{ type: "stats", stats }` whenever they change;
 * it stops when the parent disconnects (also when the parent is killed).
 */
import { findFake } from "./all.ts";
import type { FakeServerOptions } from "./types.ts";

export type FakeProcessMessage =
  | { readonly type: "ready"; readonly url: string }
  | { readonly type: "stats"; readonly stats: Record<string, unknown> };

const STOP_DEADLINE_MS = 2_000;

async function main(): Promise<void> {
  const [providerId = "", rawOptions = "{}"] = process.argv.slice(2);
  const fakeProvider = findFake(providerId);
  if (!fakeProvider || !process.send)
    throw new Error(`fake-process: no fake for "${providerId}" (or not forked with IPC)`);
  const fake = await fakeProvider.start(JSON.parse(rawOptions) as FakeServerOptions);
  const send = (message: FakeProcessMessage) => process.send?.(message);
  send({ type: "ready", url: fake.url });
  let last = "";
  const timer = setInterval(() => {
    const stats = JSON.stringify(fake.stats());
    if (stats !== last) {
      last = stats;
      send({ type: "stats", stats: JSON.parse(stats) as Record<string, unknown> });
    }
  }, 25);
  // The IPC channel closes however the parent ends, SIGKILL included: the fake must not outlive
  // it, even when a client's open connection would hold a graceful stop.
  process.once("disconnect", () => {
    clearInterval(timer);
    setTimeout(() => process.exit(0), STOP_DEADLINE_MS).unref();
    void fake.stop().finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
