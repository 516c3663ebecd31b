import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { baseUrlEnvVar, catalog } from "#catalog/index.ts";
import { clientConfig } from "../../local/aws/aws-config.ts";
import { type LocalStack, type LocalStackOptions, startLocalStack } from "../../local/stack.ts";
import { type FaultServer, startFaultServer } from "./fault-server.ts";
import type { Script } from "./faults.ts";
import { type ChaosJob, jobKey, Observer } from "./observe.ts";
import { installSdkFaults, type SdkFaultMode, type SdkFaults } from "./sdk-faults.ts";
import { type JobEndings, watchJobEndings } from "./stream-watch.ts";
import {
  appliedTwice,
  type JobFacts,
  type PhaseResult,
  phaseResult,
  type Verdict,
  verdictOf,
} from "./summary.ts";
import { PROVIDER, pace, trigger } from "./trigger.ts";

/**
 * The retry budget the chaos run gives Pacer, so that every fault plays out in seconds: few
 * attempts, short backoff, a provider timeout of 2 s. Set before the stack starts (the worker reads
 * them at load); values already in the environment win.
 */
export const CHAOS_ENV: Readonly<Record<string, string>> = {
  PACER_RETRY_MAX_ATTEMPTS: "3",
  PACER_RETRY_BASE_DELAY_MS: "200",
  PACER_RETRY_MAX_DELAY_MS: "2000",
  PACER_RETRY_MAX_AGE_MS: "40000",
  // Above OpenF1's one-minute window: a job may always wait out the window, never a long pause.
  PACER_MAX_PERMIT_WAIT_MS: "65000",
  PACER_PROVIDER_TIMEOUT_MS: "2000",
  // The lost-job sweep re-sends a message overdue by this much (deployed: minutes).
  PACER_SWEEP_GRACE_MS: "5000",
  // CHAOS_VERBOSE=1: the handlers' debug lines too (each delivery received, each provider answer).
  ...(process.env.CHAOS_VERBOSE ? { POWERTOOLS_LOG_LEVEL: "DEBUG" } : {}),
};
export const PROVIDER_TIMEOUT_MS = Number(
  process.env.PACER_PROVIDER_TIMEOUT_MS ?? CHAOS_ENV.PACER_PROVIDER_TIMEOUT_MS,
);

export interface Harness {
  readonly stack: LocalStack;
  /** The default tenant's OpenF1 connection, to the fault server: every job the suite starts runs for it. */
  readonly connectionId: string;
  readonly server: FaultServer;
  readonly sdk: SdkFaults;
  readonly observer: Observer;
  readonly endings: JobEndings;
  readonly log: (line: string) => void;
  /** Sends message bodies to the queues their priority names, as SQS batches. */
  send(bodies: readonly string[]): Promise<void>;
  stop(): Promise<void>;
}

/** A job a phase starts: through `POST /sync` (manual, high) or as a scheduled slot's message (normal). */
export interface JobPlan {
  readonly via: "manual" | "schedule";
  readonly script: Script;
}

export interface Phase {
  readonly fault: string;
  readonly jobs: readonly JobPlan[];
  /** Provider calls the phase may make; it first waits for that much room in the minute window. */
  readonly expectedCalls: number;
  readonly deadlineMs: number;
  readonly sdk?: SdkFaultMode;
  /** Runs beside the jobs: more deliveries, a kill, a restart. Returns notes for the phase's line. */
  readonly during?: (run: PhaseRun) => Promise<Record<string, number | string> | undefined>;
  /** Runs once every job has ended (or the deadline passed), before the phase is judged. */
  readonly after?: (run: PhaseRun) => Promise<void>;
}

export interface PhaseRun {
  readonly harness: Harness;
  readonly jobs: readonly ChaosJob[];
  /** Each job's message as it was sent, by job key (tenant#jobId). */
  readonly bodies: ReadonlyMap<string, string>;
  readonly deadline: number;
}

const NO_FAULTS: SdkFaultMode = { kind: "none" };
const POLL_MS = 300;
/** After its jobs end, a phase waits this long at most for their last messages to leave the queues. */
const SETTLE_MS = 4_000;
/** Workers time out at 80% of it (local/run/handlers.ts): 12 s, room for a throttled run's backoffs. */
const VISIBILITY_TIMEOUT_S = 15;

/**
 * Starts the fault server, then the local stack in this process pointed at it (no OpenF1 fake),
 * the SDK fault middleware and the observers.
 */
export async function startHarness(
  log: (line: string) => void,
  options: { readonly visibilityTimeoutSeconds?: number } = {},
): Promise<Harness> {
  const server = await startFaultServer();
  const restoreEnv = setEnv({
    ...Object.fromEntries(
      Object.entries(CHAOS_ENV).map(([name, value]) => [name, process.env[name] ?? value]),
    ),
    [baseUrlEnvVar(PROVIDER)]: server.url,
  });
  const dataDir = await mkdtemp(join(tmpdir(), "pacer-chaos-"));
  let stack: LocalStack;
  try {
    const stackOptions: LocalStackOptions = {
      // CHAOS_VERBOSE=1: every handler's log on stderr, to follow one job's deliveries.
      ...(process.env.CHAOS_VERBOSE ? { verbose: true } : { quiet: true }),
      scheduler: false,
      // Only OpenF1 (the fault server stands in for it): no other fake or worker to start.
      catalog: { providers: catalog.providers.filter((p) => p.id === PROVIDER) },
      dynamoDataDir: dataDir,
      // A crashed batch comes back in seconds, not in the deployed six minutes.
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? VISIBILITY_TIMEOUT_S,
      sweepEveryMs: 2_000,
    };
    stack = await startLocalStack(stackOptions);
  } catch (error) {
    restoreEnv();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  let connectionId: string;
  try {
    connectionId = await connectOpenF1(stack);
  } catch (error) {
    await stack.stop();
    restoreEnv();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const sdk = await installSdkFaults();
  const observer = new Observer({
    dynamoEndpoint: stack.dynamoEndpoint,
    dataTable: stack.tables.data,
    sqsEndpoint: () => stack.sqsEndpoint,
    queues: stack.queues,
    provider: PROVIDER,
  });
  const endings = watchJobEndings({ endpoint: stack.dynamoEndpoint, table: stack.tables.data });
  const sqsClients = new Map<string, SQSClient>();
  const sqs = () => {
    const endpoint = stack.sqsEndpoint;
    let client = sqsClients.get(endpoint);
    if (!client) {
      client = new SQSClient(clientConfig(endpoint));
      sqsClients.set(endpoint, client);
    }
    return client;
  };

  return {
    stack,
    connectionId,
    server,
    sdk,
    observer,
    endings,
    log,
    send: async (bodies) => {
      const byQueue = new Map<string, string[]>();
      for (const body of bodies) {
        const priority = (JSON.parse(body) as { priority: "high" | "normal" | "low" }).priority;
        const url = stack.queues[PROVIDER]?.[priority].url;
        if (!url) throw new Error(`no ${priority} queue for ${PROVIDER}`);
        byQueue.set(url, [...(byQueue.get(url) ?? []), body]);
      }
      for (const [url, all] of byQueue) {
        for (let i = 0; i < all.length; i += 10) {
          const entries = all.slice(i, i + 10).map((body, n) => ({ Id: String(n), MessageBody: body }));
          await sqs().send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
        }
      }
    },
    stop: async () => {
      await endings.stop();
      observer.stop();
      for (const client of sqsClients.values()) client.destroy();
      await stack.stop();
      await server.stop();
      restoreEnv();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Connects the default tenant to OpenF1 (the fault server stands in for it: no fake, no connection made for it). */
async function connectOpenF1(stack: LocalStack): Promise<string> {
  const response = await fetch(`${stack.api}/connections`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.token}`, "content-type": "application/json" },
    body: JSON.stringify({ provider: PROVIDER }),
  });
  const body = (await response.json()) as { connectionId?: string };
  if (response.status !== 201 || body.connectionId === undefined) {
    throw new Error(`POST /connections answered ${response.status}: ${JSON.stringify(body)}`);
  }
  return body.connectionId;
}

/** Sets `env` and returns what puts the previous values back (a test file must not leak them). */
function setEnv(env: Record<string, string>): () => void {
  const previous = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  return () => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/** A phase's line and the jobs it started (the summary judges them all again at the end). */
export interface PhaseOutcome {
  readonly result: PhaseResult;
  readonly jobs: readonly ChaosJob[];
}

/**
 * Runs one fault kind: sets the faults, starts the jobs, waits until each has ended or the
 * deadline passed, and judges them. Faults are switched off before judging, whatever happened.
 */
export async function runPhase(harness: Harness, phase: Phase): Promise<PhaseOutcome> {
  await pace(harness, phase.expectedCalls);
  const started = Date.now();
  const beyondBefore = harness.server.beyondLimit();
  const otherBefore = harness.server.otherHostCalls();
  const sdkBefore = harness.sdk.stats();
  const deadline = started + phase.deadlineMs;
  let notes: Record<string, number | string> = {};
  let run: PhaseRun | undefined;
  harness.sdk.set(phase.sdk ?? NO_FAULTS);
  try {
    const triggered = await trigger(harness, phase);
    if (triggered.errors > 0) notes.triggerErrors = triggered.errors;
    run = { harness, jobs: triggered.jobs, bodies: triggered.bodies, deadline };
    const during = (phase.during?.(run) ?? Promise.resolve(undefined)).catch((error: unknown) => ({
      duringFailed: error instanceof Error ? error.message : String(error),
    }));
    await waitForEnd(harness, run.jobs, deadline);
    notes = { ...notes, ...((await during) ?? {}) };
  } finally {
    harness.sdk.set(NO_FAULTS);
  }
  await phase.after?.(run);
  await settle(harness, run.jobs, Math.min(deadline + SETTLE_MS, Date.now() + SETTLE_MS));
  harness.server.releaseHeld();
  const sdkAfter = harness.sdk.stats();
  if (phase.sdk && phase.sdk.kind !== "none")
    notes.sdkFaultsInjected = sdkAfter.injected - sdkBefore.injected;
  const refused = sdkAfter.refusedAfterKill - sdkBefore.refusedAfterKill;
  if (refused > 0) notes.callsRefusedAfterKill = refused;
  const facts = await factsOf(harness, run.jobs);
  const result = phaseResult(phase.fault, facts, {
    callsBeyondLimit: harness.server.beyondLimit() - beyondBefore,
    crossHostCalls: harness.server.otherHostCalls() - otherBefore,
    durationMs: Date.now() - started,
    notes,
  });
  return { result, jobs: run.jobs };
}

/** Every job of the run judged once more, at its end: lost by the end, applied twice by the end. */
export async function finalVerdict(harness: Harness, jobs: readonly ChaosJob[]): Promise<Verdict> {
  const facts = await factsOf(harness, jobs);
  const describe = (fact: JobFacts) => `${fact.job.phase}/${fact.job.jobId}`;
  const lost = facts.filter((fact) => verdictOf(fact) === "lost").map(describe);
  const duplicates = facts.filter(appliedTwice).map(describe);
  return {
    lost: lost.length,
    duplicatesApplied: duplicates.length,
    lostJobs: lost,
    duplicateJobs: duplicates,
  };
}

async function factsOf(harness: Harness, jobs: readonly ChaosJob[]): Promise<JobFacts[]> {
  const live = await harness.observer.look(jobs);
  return jobs.map((job) => ({
    job,
    evidence: harness.observer.evidence(job),
    queued: live === undefined ? undefined : live.has(jobKey(job.tenantId, job.jobId)),
    calls: harness.server.callsFor(job.key).filter((call) => call.withinLimits),
    endings: harness.endings.endingsOf(job.tenantId, job.jobId),
  }));
}

async function waitForEnd(harness: Harness, jobs: readonly ChaosJob[], deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    await harness.observer.look(jobs);
    if (jobs.every((job) => harness.observer.ended(job))) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Lets redeliveries and replays of the phase's messages play out, so a late duplicate is seen. */
async function settle(harness: Harness, jobs: readonly ChaosJob[], until: number): Promise<void> {
  while (Date.now() < until) {
    const live = await harness.observer.look(jobs);
    if (live !== undefined && jobs.every((job) => !live.has(jobKey(job.tenantId, job.jobId)))) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
