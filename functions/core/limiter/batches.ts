import type { Priority } from "#catalog/types.ts";

const RANK: Record<Priority, number> = { high: 0, normal: 1, low: 2 };

interface Waiter<Req, Res> {
  readonly request: Req;
  readonly resolve: (result: Res) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Batches per key, within one process: the callers of a key are served together, one batch at a
 * time. Callers that arrive while a batch is being served wait and form the next batch, ordered
 * high priority first, the others in arrival order. The limiter serves a batch with one read and
 * one conditional write of the DynamoDB item, so a process's own callers never race each other
 * (only other processes do, and each conditional failure is a wasted write unit), and a burst of
 * callers — a worker taking a batch of jobs — costs one write, not one each.
 */
export class Batches<Req extends { readonly priority: Priority }, Res> {
  private readonly queues = new Map<string, Waiter<Req, Res>[]>();
  private readonly serving = new Set<string>();

  /** `serve` answers a batch of one key's requests, one result per request, in their order. */
  constructor(private readonly serve: (key: string, batch: readonly Req[]) => Promise<readonly Res[]>) {}

  run(key: string, request: Req): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      const queue = this.queues.get(key) ?? [];
      queue.push({ request, resolve, reject });
      this.queues.set(key, queue);
      if (!this.serving.has(key)) void this.drain(key);
    });
  }

  private async drain(key: string): Promise<void> {
    this.serving.add(key);
    try {
      // Callers that ask in the same turn of the event loop join the first batch.
      await Promise.resolve();
      for (let queue = this.take(key); queue.length > 0; queue = this.take(key)) {
        const batch = queue
          .map((waiter, arrival) => ({ waiter, arrival }))
          .sort(
            (a, b) =>
              RANK[a.waiter.request.priority] - RANK[b.waiter.request.priority] || a.arrival - b.arrival,
          )
          .map(({ waiter }) => waiter);
        try {
          const results = await this.serve(
            key,
            batch.map((waiter) => waiter.request),
          );
          batch.forEach((waiter, i) => {
            waiter.resolve(results[i] as Res);
          });
        } catch (error) {
          for (const waiter of batch) waiter.reject(error);
        }
      }
    } finally {
      this.serving.delete(key);
    }
  }

  private take(key: string): Waiter<Req, Res>[] {
    const queue = this.queues.get(key) ?? [];
    this.queues.delete(key);
    return queue;
  }
}
