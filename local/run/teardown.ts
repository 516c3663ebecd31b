import type { LocalLog } from "../log.ts";

export type Stop = () => Promise<void> | void;

/**
 * What a stack started, to stop again: the gateways first (no new requests), then everything
 * else in reverse start order, so pollers drain their batches before the queues and the database
 * go away. A stop that fails is logged and the rest still run.
 */
export class Teardown {
  private readonly gateways: Stop[] = [];
  private readonly stops: Stop[] = [];

  constructor(private readonly log: LocalLog) {}

  /** Stopped before everything else. */
  gateway(stop: Stop): void {
    this.gateways.push(stop);
  }

  add(stop: Stop): void {
    this.stops.push(stop);
  }

  async run(): Promise<void> {
    const all = [...this.gateways.splice(0), ...this.stops.splice(0).reverse()];
    for (const stop of all) {
      try {
        await stop();
      } catch (error) {
        this.log.warn("stopping the local stack", error);
      }
    }
  }
}
