import type { ChildCounts, JobRecord } from "#core/job.ts";
import type { FakeConnection } from "../fakes/types.ts";
import type { LocalLog } from "../log.ts";
import { sleep } from "../sleep.ts";
import { type DemoApi, type JobWait, runOf } from "./api.ts";
import { describeRun } from "./openf1.ts";
import type { DemoRun, OnceRuns } from "./types.ts";

const PROVIDER = "zwiftracing";
/** The fake's club of 40 members: one club page, one bulk rider call. */
export const DEMO_CLUB_ID = 1002;
/** The first member of the fake's club 1001, not in club 1002: the rider added by hand. */
export const MANUAL_RIDER_ID = "10007";
/** How long the children's ids may lag on the stream once the parent counts them all ended. */
const CHILD_IDS_WAIT_MS = 5_000;

export const ONCE_NOTE =
  "ZwiftRacing runs once: its clubs (1 per 60 min) and bulk riders (1 per 15 min) limits forbid a second run within minutes, by design";

/** The demo's ZwiftRacing connection: the fake's own, following the 40-member club, experimental on. */
export function demoConnection(fake: FakeConnection): FakeConnection {
  return { ...fake, settings: { ...fake.settings, clubId: DEMO_CLUB_ID, experimental: true } };
}

export interface OnceOptions {
  readonly connectionId: string;
  readonly wait: JobWait;
  /** The fan-out children of a job seen so far (from the stream: the API lists no jobs). */
  readonly childJobIds?: (parentJobId: string) => readonly string[];
  readonly log: LocalLog;
}

/**
 * ZwiftRacing's day in one pass: the connection's initial runs (the club's members, their stats in
 * one bulk call, the finished events with one `eventResults` child each: one results call each, at
 * 1 a minute, which the demo's time scale keeps to seconds), then a rider added by hand. The
 * initial runs are Pacer's own, started by connecting: the demo waits for them rather than asking
 * again, which would call the provider twice for the same answer.
 */
export async function runEachOnce(api: DemoApi, options: OnceOptions): Promise<OnceRuns> {
  const runs: Record<string, { run: DemoRun }> = {};
  const record = (syncType: string, run: DemoRun) => {
    runs[syncType] = { run };
    options.log.info(`demo ${PROVIDER}/${syncType}: ${describeRun(run)}`);
    return run;
  };
  const initial = async (syncType: string, settled?: (job: JobRecord) => boolean) =>
    record(syncType, await api.ownRun(PROVIDER, syncType, { ...options.wait, settled }));
  await initial("clubMembers");
  // The initial riderStats may have run before the members were in (it then had no one to ask
  // for): asked now, it merges into that run if it is still queued, else asks for the members.
  const request = { provider: PROVIDER, connectionId: options.connectionId };
  record("riderStats", await api.run({ ...request, syncType: "riderStats" }, options.wait));
  const rider = { ...request, syncType: "rider", params: { riderId: MANUAL_RIDER_ID } };
  record("rider", await api.run(rider, options.wait));
  const results = await initial("results", childrenEnded);
  if (results.jobId !== undefined && results.children !== undefined && results.children.total > 0) {
    const run = await childrenRun(api, results.jobId, results.children, options.childJobIds);
    runs.eventResults = { run };
    options.log.info(`demo ${PROVIDER}/eventResults (${run.jobs} children): ${describeRun(run)}`);
  }
  return runs;
}

/** A fan-out parent is done once every child it enqueued has ended (a failed parent at once). */
export function childrenEnded(job: JobRecord): boolean {
  if (job.status !== "succeeded" || job.children === undefined) return true;
  const { total, succeeded, failed, skipped } = job.children;
  return succeeded + failed + skipped >= total;
}

/** The children as one run: their counts summed from their own records. */
async function childrenRun(
  api: DemoApi,
  parentJobId: string,
  counts: ChildCounts,
  childJobIds: OnceOptions["childJobIds"],
): Promise<DemoRun> {
  const allSucceeded = counts.succeeded === counts.total;
  const status = allSucceeded ? "succeeded" : counts.failed > 0 ? "failed" : "skipped";
  const base = {
    status,
    jobs: counts.total,
    fetched: 0,
    written: 0,
    unchanged: 0,
    ...(allSucceeded ? {} : { detail: counted(counts) }),
  };
  if (!childJobIds) return { ...base, detail: "their records were not read (no child ids)" };
  const ids = await idsOf(parentJobId, counts.total, childJobIds);
  const records = (await Promise.all(ids.map((id) => api.job(id)))).filter(
    (job): job is JobRecord => job !== undefined,
  );
  const sum = records.map(runOf).reduce(
    (total, run) => ({
      fetched: total.fetched + run.fetched,
      written: total.written + run.written,
      unchanged: total.unchanged + run.unchanged,
    }),
    { fetched: 0, written: 0, unchanged: 0 },
  );
  const partial =
    records.length < counts.total
      ? `counts of ${records.length} of ${counts.total} children (the rest not seen)`
      : undefined;
  const detail = [base.detail, partial].filter((part) => part !== undefined).join("; ");
  return { ...base, ...sum, ...(detail === "" ? {} : { detail }) };
}

async function idsOf(
  parentJobId: string,
  total: number,
  childJobIds: (parentJobId: string) => readonly string[],
): Promise<readonly string[]> {
  const deadline = Date.now() + CHILD_IDS_WAIT_MS;
  while (childJobIds(parentJobId).length < total && Date.now() < deadline) await sleep(100);
  return childJobIds(parentJobId);
}

function counted({ total, succeeded, failed, skipped }: ChildCounts): string {
  return `${succeeded} of ${total} succeeded, ${failed} failed, ${skipped} skipped`;
}
