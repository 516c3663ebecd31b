import type { Priority } from "#catalog/types.ts";

const RANK: Record<Priority, number> = { high: 0, normal: 1, low: 2 };

interface Waiter {
  readonly rank: number;
  readonly wake: () => void;
}

/**
 * Turns per key, within one process: callers of the same key run one at a time, high priority
 * first. The limiter's writers race on one DynamoDB item; letting a process's own callers take
 * turns leaves only other processes to race with, which keeps conditional failures (each one a
 * wasted write unit) rare, and lets a high-priority caller go before the process's backlog.
 */
export class Turns {
  private readonly busy = new Set<string>();
  private readonly queues = new Map<string, Waiter[]>();

  async run<T>(key: string, priority: Priority, fn: () => Promise<T>): Promise<T> {
    await this.enter(key, RANK[priority]);
    try {
      return await fn();
    } finally {
      this.leave(key);
    }
  }

  private enter(key: string, rank: number): Promise<void> {
    if (!this.busy.has(key)) {
      this.busy.add(key);
      return Promise.resolve();
    }
    return new Promise((wake) => {
      const queue = this.queues.get(key) ?? [];
      // Stable: behind everyone of the same or a higher rank.
      const at = queue.findIndex((w) => w.rank > rank);
      queue.splice(at === -1 ? queue.length : at, 0, { rank, wake });
      this.queues.set(key, queue);
    });
  }

  private leave(key: string): void {
    const next = this.queues.get(key)?.shift();
    if (next) next.wake();
    else this.busy.delete(key);
  }
}
