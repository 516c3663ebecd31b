import { describe, expect, it } from "vitest";
import { ApiError } from "../../../../local/cli/api-client.ts";
import { type Job, JobSchema } from "../../../../local/cli/api-types.ts";
import { type JobWatch, watchJob } from "../../../../local/cli/job-watch.ts";

function job(status: string, updatedAt: string, fields: Partial<Job> = {}): Job {
  return JobSchema.parse({
    jobId: "m-1",
    provider: "openf1",
    syncType: "meetings",
    status,
    updatedAt,
    ...fields,
  });
}

const queued = job("queued", "2026-12-02T10:00:00.000Z");
const running = job("running", "2026-12-02T10:00:01.000Z");
const succeeded = job("succeeded", "2026-12-02T10:00:02.000Z", {
  counts: { fetched: 3, written: 3, unchanged: 0 },
});

/** A virtual clock: each sleep passes at once and moves time on (or is cut short by a wake). */
function virtualTime() {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms: number, signal: AbortSignal) => {
      if (!signal.aborted) now += ms;
    },
  };
}

function liveFeed() {
  const listeners: ((job: Job) => void)[] = [];
  let close: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    close = resolve;
  });
  return {
    feed: { onJob: (listener: (job: Job) => void) => listeners.push(listener), closed },
    send: (j: Job) => {
      for (const listener of listeners) listener(j);
    },
    close: () => close(),
  };
}

function states(seen: Job[]): string[] {
  return seen.map((j) => j.status);
}

describe("watchJob", () => {
  it("reports each state once, from the live feed, and ends with the final record", async () => {
    const live = liveFeed();
    const seen: Job[] = [];
    let polls = 0;
    const watch: JobWatch = {
      ...virtualTime(),
      fetchJob: async () => {
        polls++;
        if (polls === 1) {
          live.send(queued);
          live.send(running);
          live.send(succeeded);
        }
        return queued;
      },
      live: live.feed,
      onChange: (j) => seen.push(j),
      timeoutMs: 60_000,
    };

    const result = await watchJob(watch);

    expect(result).toEqual({ job: succeeded, ended: true });
    expect(states(seen)).toEqual(["queued", "running", "succeeded"]);
  });

  it("never rolls back to an older state a slow poll brings", async () => {
    const live = liveFeed();
    const seen: Job[] = [];
    const answers = [queued, queued, succeeded];
    const watch: JobWatch = {
      ...virtualTime(),
      fetchJob: async () => {
        const answer = answers.shift() ?? succeeded;
        if (answers.length === 2) live.send(running);
        return answer;
      },
      live: live.feed,
      onChange: (j) => seen.push(j),
      timeoutMs: 60_000,
    };

    await watchJob(watch);

    expect(states(seen)).toEqual(["running", "succeeded"]);
  });

  it("polls the job once the socket drops, and says so", async () => {
    const live = liveFeed();
    const seen: Job[] = [];
    const pollTimes: number[] = [];
    const time = virtualTime();
    let lost = 0;
    const answers = [queued, running, running, succeeded];
    const watch: JobWatch = {
      ...time,
      fetchJob: async () => {
        pollTimes.push(time.now());
        if (pollTimes.length === 1) live.close();
        return answers.shift() ?? succeeded;
      },
      live: live.feed,
      onChange: (j) => seen.push(j),
      onLiveLost: () => lost++,
      timeoutMs: 60_000,
      pollWhileLiveMs: 5000,
      pollMs: 1000,
    };

    const result = await watchJob(watch);

    expect(result.ended).toBe(true);
    expect(lost).toBe(1);
    expect(states(seen)).toEqual(["queued", "running", "succeeded"]);
    // After the drop, polls come every second rather than every five.
    expect(pollTimes.slice(1).map((t, i) => t - (pollTimes[i] ?? 0))).toEqual([1000, 1000, 1000]);
  });

  it("gives up at the deadline with the last state seen, leaving the job to go on", async () => {
    const seen: Job[] = [];
    const watch: JobWatch = {
      ...virtualTime(),
      fetchJob: async () => job("deferred", "2026-12-02T10:00:01.000Z", { deferrals: 1 }),
      onChange: (j) => seen.push(j),
      timeoutMs: 10_000,
    };

    const result = await watchJob(watch);

    expect(result.ended).toBe(false);
    expect(result.job?.status).toBe("deferred");
    expect(states(seen)).toEqual(["deferred"]);
  });

  it("rides out a failing poll but stops on a refusal", async () => {
    let calls = 0;
    const outage: JobWatch = {
      ...virtualTime(),
      fetchJob: async () => {
        calls++;
        if (calls === 1) throw new ApiError(503, "UNAVAILABLE", "down");
        return succeeded;
      },
      onChange: () => {},
      timeoutMs: 60_000,
    };
    const gone: JobWatch = {
      ...virtualTime(),
      fetchJob: async () => {
        throw new ApiError(404, "NOT_FOUND", 'no job "m-1"');
      },
      onChange: () => {},
      timeoutMs: 60_000,
    };

    expect((await watchJob(outage)).ended).toBe(true);
    await expect(watchJob(gone)).rejects.toThrow('no job "m-1"');
  });
});
