/** A failed condition on a single write, or any item of a transaction. */
export function isConditionalCheckFailed(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return name === "ConditionalCheckFailedException" || name === "TransactionCanceledException";
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping result order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}
