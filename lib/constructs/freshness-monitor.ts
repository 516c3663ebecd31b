import { Duration } from "aws-cdk-lib";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { FUNCTIONS } from "#core/functions.ts";
import { PacerFunction } from "./pacer-function.ts";
import type { PacerTableSet } from "./tables.ts";

/** How often the freshness monitor runs; the freshness alarms depend on it. */
export const FRESHNESS_MONITOR_PERIOD = Duration.minutes(5);

export interface FreshnessMonitorProps {
  readonly tables: PacerTableSet;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

/**
 * Emits `FreshnessSeconds` per provider and scheduled sync type (scheduled by PacerSchedules).
 * It learns the tenants from the connections in the data table, so it needs no deploy-time list.
 */
export class FreshnessMonitor extends Construct {
  public readonly function: PacerFunction;

  constructor(scope: Construct, id: string, props: FreshnessMonitorProps) {
    super(scope, id);
    this.function = new PacerFunction(this, "Function", {
      spec: FUNCTIONS.freshness,
      tables: props.tables,
      logRetention: props.logRetention,
    });
  }
}
