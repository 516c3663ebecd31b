import { SendMessageCommand } from "@aws-sdk/client-sqs";
import type { Catalog } from "#catalog/types.ts";
import { TENANT_ID_PATTERN } from "#core/auth/verifier.ts";
import { schedulePlan } from "#core/schedule-plan.ts";
import type { LocalFunctions } from "../aws/functions.ts";
import { invoke } from "../aws/lambda.ts";
import { type LocalScheduler, startScheduler } from "../aws/scheduler.ts";
import type { VirtualClock } from "../aws/virtual-clock.ts";
import type { LocalLog } from "../log.ts";
import type { AwsStandIns } from "./aws-stand-ins.ts";
import type { Teardown } from "./teardown.ts";

const FRESHNESS_EVERY_MS = 5 * 60_000;
export const SWEEP_EVERY_MS = 60_000;

export interface SchedulesOptions {
  readonly catalog: Catalog;
  readonly standIns: AwsStandIns;
  readonly fns: LocalFunctions;
  readonly clock: VirtualClock;
  /** Start EventBridge Scheduler's stand-in. */
  readonly scheduler: boolean;
  readonly scheduledTenants: readonly string[];
  /** Real ms between sweeps; 0: none. */
  readonly sweepEveryMs: number;
  readonly log: LocalLog;
}

export interface Schedules {
  readonly scheduler: LocalScheduler | undefined;
  /** Runs the lost-job sweep once. */
  sweep(): Promise<void>;
}

/**
 * What runs on a timer: the catalog's schedules (on the virtual clock), the freshness monitor
 * (every 5 minutes of virtual time) and the lost-job sweeper (every `sweepEveryMs` of real time).
 */
export function startSchedules(options: SchedulesOptions, teardown: Teardown): Schedules {
  const { clock, fns, log, standIns } = options;
  let scheduler: LocalScheduler | undefined;
  if (options.scheduler) {
    const defs = schedulePlan(options.catalog, options.scheduledTenants);
    scheduler = startScheduler({
      defs,
      clock,
      log,
      send: async (def, message) => {
        const url = standIns.queues.urls[def.provider]?.[def.priority].url;
        if (!url) throw new Error(`no ${def.priority} queue for ${def.provider}`);
        await standIns.sqs.send(
          new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify(message) }),
        );
      },
    });
    teardown.add(() => scheduler?.stop());
    log.info(
      `scheduler: ${defs.length} schedules for ${options.scheduledTenants.join(", ")} at ${clock.speed}x` +
        " (first firings at their next occurrence)",
    );
  }
  const freshness = setInterval(() => {
    invoke(fns.freshness, {}).catch((error) => log.warn("freshness monitor failed", error));
  }, clock.toRealMs(FRESHNESS_EVERY_MS));
  teardown.add(() => clearInterval(freshness));

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
  return { scheduler, sweep };
}

/** `PACER_SCHEDULED_TENANTS`: a JSON array of tenant ids; `[fallback]` when unset. */
export function scheduledTenantsFromEnv(
  fallback: string,
  raw = process.env.PACER_SCHEDULED_TENANTS,
): string[] {
  if (!raw) return [fallback];
  let tenants: unknown;
  try {
    tenants = JSON.parse(raw);
  } catch {
    tenants = undefined;
  }
  if (!Array.isArray(tenants) || !tenants.every((t) => typeof t === "string" && TENANT_ID_PATTERN.test(t))) {
    throw new Error(
      `PACER_SCHEDULED_TENANTS must be a JSON array of tenant ids, e.g. ["default"]; got ${raw}`,
    );
  }
  return tenants;
}
