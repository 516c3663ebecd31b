import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { LOCAL_SCHEDULE_GROUP } from "../aws/handler-env.ts";
import { invoke } from "../aws/lambda.ts";
import { type SchedulerService, startSchedulerService } from "../aws/scheduler-service.ts";
import type { VirtualClock } from "../aws/virtual-clock.ts";
import type { LocalLog } from "../log.ts";
import type { AwsStandIns } from "./aws-stand-ins.ts";
import type { RunFunctions } from "./handlers.ts";
import type { Teardown } from "./teardown.ts";

const FRESHNESS_EVERY_MS = 5 * 60_000;
/** As deployed (lib/constructs/race-clock.ts); divided by the time scale, as the results cadence is. */
const RACE_CLOCK_EVERY_MS = 5 * 60_000;
export const SWEEP_EVERY_MS = 60_000;

export interface SchedulerOptions {
  readonly standIns: AwsStandIns;
  readonly clock: VirtualClock;
  /** Whether firings are delivered; off, schedules are still created and kept, and fire nothing. */
  readonly deliver: boolean;
  readonly log: LocalLog;
}

/**
 * EventBridge Scheduler's stand-in, up before the handlers (the API creates connections'
 * schedules in it through the SDK): each firing goes to the SQS queue its target ARN names, on
 * the virtual clock.
 */
export async function startLocalScheduler(
  options: SchedulerOptions,
  teardown: Teardown,
): Promise<SchedulerService> {
  const { standIns, log } = options;
  const service = await startSchedulerService({
    clock: options.clock,
    groups: [LOCAL_SCHEDULE_GROUP],
    log,
    deliver: async (targetArn, input) => {
      if (!options.deliver) return;
      const queue = standIns.queues.all.find((q) => q.arn === targetArn || q.dlqArn === targetArn);
      if (!queue) throw new Error(`no local queue has the ARN ${targetArn}`);
      const url = queue.arn === targetArn ? queue.url : queue.dlqUrl;
      await standIns.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: input }));
    },
  });
  teardown.add(() => service.stop());
  log.info(
    `scheduler: EventBridge Scheduler's stand-in at ${service.endpoint}, group ${LOCAL_SCHEDULE_GROUP}, ` +
      (options.deliver ? `firing at ${options.clock.speed}x` : "firing nothing (--once)") +
      "; connections create their schedules in it",
  );
  return service;
}

export interface SchedulesOptions {
  readonly fns: RunFunctions;
  readonly clock: VirtualClock;
  /** Real ms between sweeps; 0: none. */
  readonly sweepEveryMs: number;
  readonly log: LocalLog;
}

export interface Schedules {
  /** Runs the lost-job sweep once. */
  sweep(): Promise<void>;
}

/**
 * What runs on a timer besides connections' schedules: the freshness monitor (every 5 minutes
 * of virtual time), the race clock (every 5 minutes of virtual time divided by the handlers' time
 * scale: the 30-minute results cadence it serves shrinks alike) and the lost-job sweeper (every
 * `sweepEveryMs` of real time).
 */
export function startSchedules(options: SchedulesOptions, teardown: Teardown): Schedules {
  const { clock, fns, log } = options;
  const freshness = setInterval(() => {
    invoke(fns.freshness, {}).catch((error) => log.warn("freshness monitor failed", error));
  }, clock.toRealMs(FRESHNESS_EVERY_MS));
  teardown.add(() => clearInterval(freshness));
  teardown.add(
    every(clock.toRealMs(RACE_CLOCK_EVERY_MS / fns.timeScale), () =>
      invoke(fns.raceClock, {}).catch((error) => log.warn("race clock failed", error)),
    ),
  );

  const sweep = async () => {
    await invoke(fns.sweeper, {});
  };
  if (options.sweepEveryMs > 0) {
    let sweeping = false;
    const timer = setInterval(() => {
      // A slow sweep (a large backlog) must not overlap the next.
      if (sweeping) return;
      sweeping = true;
      sweep()
        .catch((error) => log.warn("stale-job sweep failed", error))
        .finally(() => {
          sweeping = false;
        });
    }, options.sweepEveryMs);
    teardown.add(() => clearInterval(timer));
  }
  return { sweep };
}

/** Runs `run` every `ms`, never two at once (a slow run skips the next firing); returns the stop. */
function every(ms: number, run: () => Promise<unknown>): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void run().finally(() => {
      running = false;
    });
  }, ms);
  return () => clearInterval(timer);
}
