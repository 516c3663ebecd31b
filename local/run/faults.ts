import type { HealthMonitor } from "../health.ts";
import type { LocalLog } from "../log.ts";
import type { AwsStandIns } from "./aws-stand-ins.ts";
import type { Pollers } from "./pollers.ts";

export type LocalService = "dynamodb" | "sqs";

/** What the fault suites do to a running stack. */
export interface FaultControls {
  /** Kills the worker invocations in flight (of one provider, or all); returns how many. */
  killWorkers(provider?: string): number;
  /** Stops and starts an emulator on the same port, one restart at a time. */
  restart(service: LocalService): Promise<void>;
}

export function faultControls(
  standIns: AwsStandIns,
  pollers: Pollers,
  health: HealthMonitor,
  log: LocalLog,
): FaultControls {
  const restartNow = async (service: LocalService) => {
    const started = Date.now();
    // A restart asked for is no outage: the monitor holds its report and the warnings back.
    if (service === "dynamodb") {
      await health.during("dynamodb", async () => {
        // In memory, the tables come back new, with new streams to follow.
        await pollers.follow(await standIns.restartDynamo());
      });
    } else {
      await health.during("sqs", () => standIns.restartSqs());
    }
    log.info(`${service} restarted on the same port in ${Date.now() - started} ms`);
  };

  // Two restarts at once would race for the same ports.
  let restarting: Promise<void> = Promise.resolve();
  return {
    killWorkers: (provider) =>
      Object.entries(pollers.workers)
        .filter(([id]) => provider === undefined || id === provider)
        .reduce((killed, [, poller]) => killed + poller.killInFlight(), 0),
    restart: (service) => {
      const next = restarting.then(() => restartNow(service));
      restarting = next.catch(() => undefined);
      return next;
    },
  };
}
