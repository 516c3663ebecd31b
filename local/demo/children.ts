import type { JobUpdate } from "../run/job-tap.ts";

/**
 * Fan-out children by parent, as the data table's stream shows them being created. The REST API
 * has no route that lists jobs: a parent's record only counts its children, while the demo wants
 * their own records (what each wrote). A child's record is created when its parent stores the
 * page that names it, long before the child ends, so the stream has it by then.
 */
export class ChildJobIndex {
  private readonly byParent = new Map<string, Set<string>>();

  /** Feed it every job update (the stack's `onJobUpdate`). */
  readonly update = (update: JobUpdate): void => {
    const { parentJobId, jobId } = update.current;
    if (parentJobId === undefined) return;
    const children = this.byParent.get(parentJobId) ?? new Set<string>();
    children.add(jobId);
    this.byParent.set(parentJobId, children);
  };

  /** The children of `parentJobId` seen so far, in the order they were created. */
  readonly childrenOf = (parentJobId: string): readonly string[] => [
    ...(this.byParent.get(parentJobId) ?? []),
  ];
}
