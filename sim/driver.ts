import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { findProvider } from "#catalog/index.ts";
import type { JobMessageInput } from "#core/job.ts";
import type { QueueUrls } from "#core/resources.ts";
import type { Doorbell } from "../local/aws/sqs-poller.ts";
import type { LocalStack } from "../local/stack.ts";
import { nextMoment, type Periodic } from "./loop.ts";
import type { Meter } from "./meter.ts";
import type { PermitWaits } from "./permit-waits.ts";
import { inspectQueues, type QueueState } from "./queues.ts";
import type { Readers } from "./readers.ts";
import type { StreamDrain } from "./stream-drain.ts";
import type { Action, SeedJob, Workload } from "./workloads/types.ts";

export type Strategy = "seed" | "pacer";

/** A periodic function the loop fires at its deployed period. */
export interface PeriodicFunction {
  readonly periodic: Periodic;
  readonly fire: () => Promise<unknown>;
}

export interface DriverDeps {
  readonly strategy: Strategy;
  readonly workload: Workload;
  readonly stack: LocalStack;
  readonly meter: Meter;
  readonly doorbell: Doorbell;
  readonly drain: StreamDrain;
  readonly readers: Readers;
  readonly periodic: readonly PeriodicFunction[];
  /** The limiter's in-process waits, jumped over when they are all that runs. */
  readonly permitWaits?: PermitWaits;
  readonly tenantId: string;
  /** Workload connection key → connection id. */
  readonly connectionIds: Readonly<Record<string, string>>;
  /** Moves the virtual clock forward (only ever called while the stack is quiescent). */
  readonly jumpTo: (atMs: number) => void;
  readonly onProgress?: (done: number) => void;
}

/** Real ms between looks while work runs: a look costs nothing (in-memory counters). */
const BUSY_LOOK_MS = 2;
/** Real time the stack may go without any AWS operation while not quiescent before the run gives up. */
const STALL_MS = 120_000;

/** The stack stopped making progress: the message says what it was waiting for. */
export class SimulationStalledError extends Error {
  override readonly name = "SimulationStalledError";
}

/**
 * The discrete-event loop: run until the stack is quiescent (no invocation in flight, no SQS loop
 * busy, no message ready, the stream read), then move the clock to the next due moment and fire
 * what is due there, until the workload's end.
 */
export class Driver {
  #steps = 0;
  #actionIndex = 0;
  #nextSeedAt: number | undefined;
  #queues: QueueState = { ready: 0, nextVisibleAt: undefined, deadLettered: 0 };
  /** What the meter had counted when the queues and the stream were last looked at. */
  #seen = { sqs: -1, writes: -1 };
  /** Real ms spent waiting for work, reading the stream, looking into queues, firing what is due. */
  readonly #wall = { working: 0, stream: 0, queues: 0, firing: 0 };
  #permitJumps = 0;

  constructor(private readonly deps: DriverDeps) {
    this.#nextSeedAt = deps.strategy === "seed" ? deps.workload.seed.nextSlot(-Infinity) : undefined;
  }

  get steps(): number {
    return this.#steps;
  }

  /** Where the run's real time went (ms): what limits its speed. */
  get wallSplit(): Readonly<Record<string, number>> {
    return Object.fromEntries(Object.entries(this.#wall).map(([k, v]) => [k, Math.round(v)]));
  }

  /** Times the clock jumped over the limiter's in-process waits. */
  get permitJumps(): number {
    return this.#permitJumps;
  }

  /** Messages in dead-letter queues at the last look. */
  get deadLettered(): number {
    return this.#queues.deadLettered;
  }

  async run(): Promise<void> {
    const { workload, jumpTo } = this.deps;
    const span = workload.endMs - workload.startMs;
    for (;;) {
      await this.settle();
      const now = Date.now();
      if (now >= workload.endMs) break;
      const next = nextMoment(now, workload.endMs, this.#candidates());
      if (next > now) jumpTo(next);
      this.#steps++;
      const firing = performance.now();
      await this.#fireDue(Date.now());
      this.#wall.firing += performance.now() - firing;
      this.deps.onProgress?.(Math.min(1, (Date.now() - workload.startMs) / span));
    }
    this.deps.readers.leave(Number.POSITIVE_INFINITY);
  }

  /** Waits until nothing runs and nothing is ready: the moment the clock may jump. */
  async settle(): Promise<void> {
    const { meter, stack, drain, doorbell } = this.deps;
    let progress = { at: performance.now(), usage: JSON.stringify(meter.usage()) };
    const watch = (waitingFor: string) => {
      const usage = JSON.stringify(meter.usage());
      if (usage !== progress.usage) progress = { at: performance.now(), usage };
      else if (performance.now() - progress.at > STALL_MS)
        throw new SimulationStalledError(
          `no AWS operation for ${STALL_MS / 1000} s while ${waitingFor} at ${new Date().toISOString()}`,
        );
    };
    for (;;) {
      const working = performance.now();
      for (let looks = 0; meter.inFlight() > 0 || stack.workersBusy(); looks++) {
        if (looks % 500 === 499) watch(`${meter.inFlight()} invocations ran`);
        if (this.#jumpOverPermitWaits()) continue;
        await sleep(BUSY_LOOK_MS);
      }
      this.#wall.working += performance.now() - working;
      const usage = meter.usage();
      // Stream records come only from writes, and the queues change only through requests.
      if (usage.dynamodb.writeUnits !== this.#seen.writes) {
        this.#seen.writes = usage.dynamodb.writeUnits;
        const draining = performance.now();
        await drain.drain();
        this.#wall.stream += performance.now() - draining;
        continue;
      }
      const now = Date.now();
      const due = this.#queues.nextVisibleAt !== undefined && this.#queues.nextVisibleAt <= now;
      if (usage.sqs.requests !== this.#seen.sqs || due || this.#queues.ready > 0) {
        this.#seen.sqs = usage.sqs.requests;
        const looking = performance.now();
        this.#queues = await inspectQueues(stack.sqsEndpoint, now);
        this.#wall.queues += performance.now() - looking;
        if (this.#queues.ready > 0) {
          watch(`${this.#queues.ready} messages waited for a poller`);
          doorbell.ring();
          await sleep(BUSY_LOOK_MS);
        }
        continue;
      }
      if (meter.inFlight() === 0 && !stack.workersBusy()) return;
    }
  }

  /** When every invocation in flight only waits for a permit's moment, that moment comes now. */
  #jumpOverPermitWaits(): boolean {
    const { permitWaits, meter, stack, jumpTo } = this.deps;
    if (!permitWaits?.allWaiting(meter.inFlightIds()) || stack.workersReceiving()) return false;
    const wakeAt = permitWaits.nextWake();
    if (wakeAt === undefined) return false;
    if (wakeAt > Date.now()) jumpTo(wakeAt);
    permitWaits.rearm(Date.now());
    this.#permitJumps++;
    return true;
  }

  #candidates(): (number | undefined)[] {
    const { strategy, stack, periodic, workload, readers } = this.deps;
    return [
      strategy === "pacer" ? stack.clock.nextOccurrence() : undefined,
      this.#queues.nextVisibleAt,
      ...periodic.map((p) => p.periodic.nextAt),
      workload.actions[this.#actionIndex]?.at,
      readers.nextLeave(),
      this.#nextSeedAt,
    ];
  }

  async #fireDue(now: number): Promise<void> {
    const { strategy, stack, meter, periodic, workload, readers, doorbell } = this.deps;
    if (strategy === "pacer") meter.addSchedulerInvocations(await stack.clock.fireDue(now));
    for (const { periodic: timer, fire } of periodic) {
      const due = timer.takeDue(now);
      for (let i = 0; i < due; i++) {
        meter.addSchedulerInvocations(1);
        await fire();
      }
    }
    while (this.#nextSeedAt !== undefined && this.#nextSeedAt <= now) {
      const slot = this.#nextSeedAt;
      const jobs = workload.seed.jobsAt(slot);
      meter.addSchedulerInvocations(jobs.length);
      for (const job of jobs) await this.#sendSeedJob(job, slot);
      this.#nextSeedAt = workload.seed.nextSlot(slot);
    }
    readers.leave(now);
    for (let action = workload.actions[this.#actionIndex]; action && action.at <= now; ) {
      await this.#act(action);
      action = workload.actions[++this.#actionIndex];
    }
    doorbell.ring();
  }

  async #act(action: Action): Promise<void> {
    const { readers } = this.deps;
    if (action.kind === "read") await readers.read(action);
    else if (action.kind === "manual") await readers.trigger(action);
    else await readers.control(action);
  }

  /** A seed job as its Scheduler target would send it: a scheduled message on its priority's queue. */
  async #sendSeedJob(job: SeedJob, slotMs: number): Promise<void> {
    const { stack, tenantId, connectionIds } = this.deps;
    const connectionId = connectionIds[job.connection];
    const provider = this.#providerOf(job.connection);
    if (!connectionId || !provider) throw new Error(`the seed names no connection ${job.connection}`);
    const scheduledAt = new Date(slotMs).toISOString().replace(/\.\d{3}Z$/, "Z");
    const params = job.params ?? {};
    const key = Object.values(params)
      .join("-")
      .replace(/[^A-Za-z0-9_.-]/g, "");
    const at = scheduledAt.replace(/[^0-9TZ]/g, "");
    const common = {
      tenantId,
      connectionId,
      provider,
      syncType: job.syncType,
      params: { ...params },
      priority: job.priority,
    };
    const message: JobMessageInput = job.asManual
      ? {
          ...common,
          jobId: `seed-${connectionId}-${job.syncType}-${key}-${at}`,
          source: "manual",
          enqueuedAt: new Date(slotMs).toISOString(),
        }
      : {
          ...common,
          // Per-event jobs of one slot need ids of their own (a schedule's id names only the slot).
          ...(key === "" ? {} : { jobId: `s-${connectionId}-${job.syncType}-${key}-${at}` }),
          source: "schedule",
          scheduledAt,
          slot: 0,
        };
    const url = queueUrl(stack.queues, provider, job.priority);
    await stack.standInClients.sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify(message) }),
    );
  }

  #providerOf(connection: string): string | undefined {
    return this.deps.workload.connections.find((c) => c.key === connection)?.provider;
  }
}

function queueUrl(queues: QueueUrls, provider: string, priority: SeedJob["priority"]): string {
  const url = queues[provider]?.[priority]?.url;
  if (!url || !findProvider(provider)) throw new Error(`no ${priority} queue for ${provider}`);
  return url;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
