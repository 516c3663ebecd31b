/**
 * The fault suite's core cases (the whole suite is `npm run chaos`, test/chaos/): a provider
 * answering 500s and truncated bodies, one that always answers 429, a redirect to another host,
 * every message delivered twice, and a worker killed mid-batch. Whatever the fault, every job ends
 * succeeded or dead-lettered with its reason, none is lost, applied twice or left running, and no
 * call breaks OpenF1's limits.
 *
 * It starts its own stack in this process, pointed at the fault server; with PACER_API_URL /
 * PACER_WS_URL / PACER_TOKEN set (an external stack) it is skipped.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { finalVerdict, type Harness, runPhase, startHarness } from "../chaos/harness.ts";
import type { ChaosJob } from "../chaos/observe.ts";
import { corePhases } from "../chaos/scenarios.ts";
import type { PhaseResult } from "../chaos/summary.ts";
import { externalTarget } from "./support/target.ts";

const PHASE_TIMEOUT_MS = 150_000;
let harness: Harness | undefined;
const jobs: ChaosJob[] = [];

beforeAll(async () => {
  if (externalTarget) return;
  harness = await startHarness(() => undefined);
}, 120_000);

afterAll(async () => {
  await harness?.stop();
});

async function run(fault: string): Promise<PhaseResult> {
  const phase = corePhases().find((candidate) => candidate.fault === fault);
  if (!phase || !harness) throw new Error(`no core phase ${fault}, or no stack`);
  const outcome = await runPhase(harness, phase);
  jobs.push(...outcome.jobs);
  return outcome.result;
}

/** What every phase must show, whatever its fault. */
const KEPT_PROMISES = {
  lost: 0,
  duplicatesApplied: 0,
  stillRunning: 0,
  callsBeyondLimit: 0,
  deadLetteredWithoutReason: 0,
  crossHostCalls: 0,
};

describe.skipIf(externalTarget)("fault suite, core cases", () => {
  it(
    "retries provider 500s: a job that recovers succeeds, one that never does is dead-lettered",
    async () => {
      const result = await run("provider-500");

      expect(result).toMatchObject({ ...KEPT_PROMISES, jobs: 2, succeeded: 1, deadLettered: 1 });
    },
    PHASE_TIMEOUT_MS,
  );

  it(
    "treats truncated bodies like provider failures",
    async () => {
      const result = await run("truncated-body");

      expect(result).toMatchObject({ ...KEPT_PROMISES, jobs: 2, succeeded: 1, deadLettered: 1 });
    },
    PHASE_TIMEOUT_MS,
  );

  it(
    "gives up on a provider that always answers 429, within its retry budget",
    async () => {
      const result = await run("always-429");

      expect(result).toMatchObject({ ...KEPT_PROMISES, jobs: 2, succeeded: 0, deadLettered: 2 });
    },
    PHASE_TIMEOUT_MS,
  );

  it(
    "refuses a redirect to another host and records why",
    async () => {
      const result = await run("redirect-cross-host");

      expect(result).toMatchObject({ ...KEPT_PROMISES, jobs: 2, succeeded: 0, deadLettered: 2 });
    },
    PHASE_TIMEOUT_MS,
  );

  it(
    "runs a job once when its message is delivered twice",
    async () => {
      const result = await run("duplicate-delivery");

      expect(result).toMatchObject({ ...KEPT_PROMISES, jobs: 2, succeeded: 2, providerCalls: 2 });
    },
    PHASE_TIMEOUT_MS,
  );

  it(
    "finishes the jobs of a worker killed mid-batch, without writing from the dead invocation",
    async () => {
      const result = await run("worker-killed");

      expect(result).toMatchObject({ ...KEPT_PROMISES, jobs: 2 });
      expect(result.succeeded + result.deadLettered).toBe(2);
      expect(result.notes?.killedInvocations).toBeGreaterThan(0);
    },
    PHASE_TIMEOUT_MS,
  );

  it(
    "has lost no job and applied none twice by the end",
    async () => {
      if (!harness) throw new Error("no stack");

      const verdict = await finalVerdict(harness, jobs);

      expect(jobs.length).toBeGreaterThan(0);
      expect(verdict).toMatchObject({ lostJobs: [], duplicateJobs: [] });
    },
    PHASE_TIMEOUT_MS,
  );
});
