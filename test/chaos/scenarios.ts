import { always, type Fault, failFirst, OK, type Script, status } from "./faults.ts";
import { type JobPlan, type Phase, type PhaseRun, PROVIDER_TIMEOUT_MS } from "./harness.ts";
import { PROVIDER } from "./trigger.ts";

/** Attempts the chaos environment allows (CHAOS_ENV): a job with more failures than this dead-letters. */
const ATTEMPTS = 3;
const INFINITE = Number.POSITIVE_INFINITY;
/** How many of their first calls successive jobs see fail: some recover after retries, some dead-letter. */
const FAILURES = [1, INFINITE, 2, 0];
const SECOND = 1_000;

const via = (i: number): JobPlan["via"] => (i % 2 === 0 ? "manual" : "schedule");
const callsFor = (failures: number) => Math.min(failures + 1, ATTEMPTS);

/**
 * `n` jobs, alternately manual and scheduled, whose first FAILURES[i] calls get `fault` (made
 * afresh per call, e.g. for a Retry-After date) and the rest healthy answers.
 */
function mixed(fault: string, n: number, make: (job: number) => Fault, deadlineMs = 45 * SECOND): Phase {
  const jobs = Array.from({ length: n }, (_, i) => {
    const failures = FAILURES[i % FAILURES.length] ?? 0;
    const script: Script = (call) => (call < failures ? make(i) : OK);
    return { via: via(i), script, failures };
  });
  return {
    fault,
    jobs,
    expectedCalls: jobs.reduce((sum, job) => sum + callsFor(job.failures), 0),
    deadlineMs,
  };
}

function healthy(n: number): JobPlan[] {
  return Array.from({ length: n }, (_, i) => ({ via: via(i), script: always(OK) }));
}

/** Waits (up to `ms`) until `ready` holds. */
async function until(ready: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

const slowFirst =
  (ms: number): Script =>
  (call) =>
    call === 0 ? { kind: "slow", ms } : OK;

/** Provider faults: each answer kind a provider, or the network in front of it, can give. */
export function providerFaults(n: number): Phase[] {
  return [
    mixed("provider-500", n, () => status(500)),
    mixed("provider-503", n, () => status(503)),
    mixed(
      "hang-past-timeout",
      n,
      () => ({ kind: "hang", answerAfterMs: 2 * PROVIDER_TIMEOUT_MS }),
      60 * SECOND,
    ),
    mixed("stalled-body", n, () => ({ kind: "stall" }), 60 * SECOND),
    mixed("truncated-body", n, (i) => ({ kind: "truncate", how: i % 2 === 0 ? "json" : "reset" })),
    mixed("wrong-content-type", n, () => ({ kind: "html" })),
    mixed("oversize-row", n, () => ({ kind: "oversize", bytes: 500 * 1024 })),
  ];
}

/** 429s: with Retry-After as seconds, as an HTTP date, without it, and a provider that never relents. */
export function rateLimitFaults(n: number): Phase[] {
  return [
    mixed("429-retry-after-seconds", n, () => status(429, { "retry-after": "1" })),
    mixed("429-retry-after-date", n, () =>
      status(429, { "retry-after": new Date(Date.now() + 2 * SECOND).toUTCString() }),
    ),
    mixed("429-without-retry-after", n, () => status(429)),
    alwaysRateLimited(n),
  ];
}

export function alwaysRateLimited(n: number): Phase {
  return {
    fault: "always-429",
    jobs: Array.from({ length: n }, (_, i) => ({
      via: via(i),
      script: always(status(429, { "retry-after": "1" })),
    })),
    expectedCalls: n * ATTEMPTS,
    deadlineMs: 45 * SECOND,
  };
}

/**
 * A Retry-After of a day. Pacer pauses every worker for as long as it honours, so this runs last:
 * nothing after it could get a permit. Its jobs must still end, failed with a reason.
 */
export function hugeRetryAfter(n: number): Phase {
  return mixed("429-retry-after-huge", n, () => status(429, { "retry-after": "86400" }), 75 * SECOND);
}

export function redirectFaults(n: number): Phase[] {
  // Followed once and twice (each hop its own permitted call), a loop back to the same URL, and
  // a chain of new URLs that never ends on its own.
  const sameHost: Script[] = [
    failFirst(1, { kind: "redirect", status: 302, to: "same-host" }),
    always({ kind: "redirect", status: 301, to: "same-url" }),
    always({ kind: "redirect", status: 307, to: "same-host" }),
    failFirst(2, { kind: "redirect", status: 308, to: "same-host" }),
  ];

  return [
    {
      fault: "redirect-same-host",
      jobs: Array.from({ length: n }, (_, i) => ({
        via: via(i),
        script: sameHost[i % sameHost.length] ?? always(OK),
      })),
      expectedCalls: 4 * n,
      deadlineMs: 45 * SECOND,
    },
    redirectCrossHost(n),
  ];
}

export function redirectCrossHost(n: number): Phase {
  return {
    fault: "redirect-cross-host",
    jobs: Array.from({ length: n }, (_, i) => ({
      via: via(i),
      script: failFirst(1, { kind: "redirect", status: i % 2 === 0 ? 302 : 308, to: "other-host" }),
    })),
    expectedCalls: 2 * n,
    deadlineMs: 45 * SECOND,
  };
}

/** Each job's message delivered twice, the copy sent while the original is still queued. */
export function duplicateDelivery(n: number): Phase {
  return {
    fault: "duplicate-delivery",
    jobs: healthy(n),
    expectedCalls: n,
    deadlineMs: 45 * SECOND,
    during: async (run) => {
      await run.harness.send([...run.bodies.values()]);
      return { copiesSent: run.bodies.size };
    },
  };
}

/**
 * Whole batches replayed: the scheduled jobs' batch sent again at once, and once more after every
 * job ended. Some jobs defer or retry in between, so replays meet them in every state.
 */
export function batchReplay(n: number): Phase {
  const scripts: Script[] = [
    always(OK),
    failFirst(1, status(429, { "retry-after": "1" })),
    failFirst(1, status(500)),
  ];
  const replay = async (run: PhaseRun) => run.harness.send([...run.bodies.values()]);
  return {
    fault: "batch-replay",
    jobs: Array.from({ length: n }, (_, i) => ({
      via: "schedule",
      script: scripts[i % scripts.length] ?? always(OK),
    })),
    expectedCalls: 2 * n,
    deadlineMs: 45 * SECOND,
    during: async (run) => {
      await replay(run);
      return { replays: 2 };
    },
    after: replay,
  };
}

/** The worker's sandboxes killed while their batch waits on the provider. */
export function workerKilled(n: number): Phase {
  return {
    fault: "worker-killed",
    jobs: Array.from({ length: n }, (_, i) => ({ via: via(i), script: slowFirst(1_500) })),
    expectedCalls: 2 * n,
    deadlineMs: 90 * SECOND,
    during: async (run) => {
      const busy = await until(() => run.harness.server.inFlight() > 0, 20 * SECOND);
      const killed = await run.harness.stack.killWorkers(PROVIDER);
      return { killedInvocations: killed, ...(busy ? {} : { note: "no call was in flight" }) };
    },
  };
}

export function dynamoFaults(n: number): Phase[] {
  return [
    {
      fault: "dynamodb-throttling",
      jobs: healthy(n),
      expectedCalls: 2 * n,
      deadlineMs: 90 * SECOND,
      sdk: { kind: "throttle", rate: 0.5 },
    },
    {
      fault: "dynamodb-timeouts",
      jobs: healthy(n),
      expectedCalls: 2 * n,
      deadlineMs: 60 * SECOND,
      sdk: { kind: "timeout", rate: 0.3, afterMs: 300 },
    },
  ];
}

/** DynamoDB Local (with its data directory) and the in-memory SQS emulator restarted under running jobs. */
export function restarts(n: number): Phase[] {
  return [
    {
      fault: "dynamodb-restart",
      jobs: Array.from({ length: n }, (_, i) => ({ via: via(i), script: slowFirst(1_500) })),
      expectedCalls: 2 * n,
      deadlineMs: 90 * SECOND,
      during: async (run) => {
        await until(() => run.harness.server.inFlight() > 0, 20 * SECOND);
        const started = Date.now();
        await run.harness.stack.restart("dynamodb");
        return { restartMs: Date.now() - started };
      },
    },
    {
      // Every job is deferred (its message delayed on SQS) when the emulator, and its messages, go away.
      fault: "sqs-restart",
      jobs: Array.from({ length: n }, (_, i) => ({
        via: via(i),
        script: failFirst(1, status(429, { "retry-after": "3" })),
      })),
      expectedCalls: 2 * n,
      deadlineMs: 90 * SECOND,
      during: async (run) => {
        const server = run.harness.server;
        await until(() => run.jobs.every((job) => server.callsFor(job.key).length > 0), 30 * SECOND);
        await new Promise((resolve) => setTimeout(resolve, 300));
        const started = Date.now();
        await run.harness.stack.restart("sqs");
        return { restartMs: Date.now() - started };
      },
    },
  ];
}

/** Every fault kind, `n` jobs each; the huge Retry-After last, since it pauses the provider for everyone. */
export function allPhases(n: number): Phase[] {
  return [
    ...providerFaults(n),
    ...rateLimitFaults(n),
    ...redirectFaults(n),
    duplicateDelivery(n + 1),
    batchReplay(n + 1),
    workerKilled(n + 1),
    ...dynamoFaults(n + 1),
    ...restarts(n + 1),
    hugeRetryAfter(n),
  ];
}

/** The subset `npm test` runs (test/integration/chaos-core.test.ts): few jobs, every promise checked. */
export function corePhases(): Phase[] {
  const [provider500, , , , truncated] = providerFaults(2);
  return [
    provider500,
    truncated,
    alwaysRateLimited(2),
    redirectCrossHost(2),
    duplicateDelivery(2),
    workerKilled(2),
  ].filter((phase): phase is Phase => phase !== undefined);
}
