import { describe, expect, it } from "vitest";
import { createConnection, deleteConnection, updateConnection } from "#core/connections/use-cases.ts";
import { liveWindowSchedules, type WindowSchedules } from "#core/live-windows.ts";
import { openf1 } from "#providers/openf1/definition.ts";
import { MemoryJobs, MemoryQueue } from "../fakes.ts";
import { clubBody, MemorySchedules, setup } from "./fakes.ts";

/**
 * A connection deleted or disabled takes its live windows with it: the schedules the worker puts
 * per OpenF1 session (`<connectionId>.<syncType>.<windowStart>`), which no record lists. Another
 * connection's windows, of the same tenant or another, stay.
 */

const HOUR = 3_600_000;

/** The Scheduler group of `schedules`, listed by name prefix as the API's adapter lists it. */
function listing(schedules: MemorySchedules): WindowSchedules & { readonly listed: string[] } {
  const listed: string[] = [];
  return {
    listed,
    put: (defs) => schedules.put(defs),
    remove: (names) => schedules.remove(names),
    names: async (prefix) => {
      listed.push(prefix);
      return schedules.names().filter((name) => name.startsWith(prefix));
    },
  };
}

/** Use-case deps whose schedules are listable, and which queue initial runs. */
function world() {
  const schedules = new MemorySchedules();
  const windowSchedules = listing(schedules);
  const jobs = new MemoryJobs();
  const queue = new MemoryQueue();
  const built = setup({ schedules, windowSchedules, jobs, queue });
  return { ...built, schedules, windowSchedules, jobs, queue };
}

/** What the worker puts after a sessions sync: both real-time sync types for a session in an hour. */
async function putWindows(
  schedules: MemorySchedules,
  nowMs: number,
  tenantId: string,
  connectionId: string,
): Promise<string[]> {
  const session = {
    startAt: new Date(nowMs + HOUR).toISOString(),
    endAt: new Date(nowMs + 3 * HOUR).toISOString(),
  };
  const defs = liveWindowSchedules(
    openf1,
    { connectionId, tenantId, settings: {} },
    ["weather", "race_control"].map((syncType) => ({ syncType, ...session })),
    nowMs,
  );
  await schedules.put(defs);
  return defs.map((d) => d.name).sort();
}

/** Three OpenF1 connections, each with live windows: two of acme's and one of globex's. */
async function threeWithWindows() {
  const w = world();
  const target = (await createConnection(w.deps, "acme", { provider: "openf1" })).connectionId;
  const sibling = (await createConnection(w.deps, "acme", { provider: "openf1" })).connectionId;
  const foreign = (await createConnection(w.deps, "globex", { provider: "openf1" })).connectionId;
  const now = w.deps.clock?.() ?? Date.now();
  const windows = {
    target: await putWindows(w.schedules, now, "acme", target),
    sibling: await putWindows(w.schedules, now, "acme", sibling),
    foreign: await putWindows(w.schedules, now, "globex", foreign),
  };
  return { ...w, target, sibling, foreign, windows };
}

/** Ends every job still open, as their runs would (an open one takes in a new run of its kind). */
async function finishAll(jobs: MemoryJobs) {
  const at = new Date().toISOString();
  for (const job of [...jobs.records.values()]) {
    await jobs.transition(job, { status: "succeeded", updatedAt: at, finishedAt: at });
  }
}

const namesOf = (schedules: MemorySchedules, connectionId: string) =>
  schedules.names().filter((name) => name.startsWith(`${connectionId}.`));

describe("a connection's live windows", () => {
  it("are deleted with the connection, and no other connection's with them", async () => {
    // Prepare
    const { deps, schedules, target, sibling, foreign, windows } = await threeWithWindows();
    expect(windows.target).toHaveLength(2);

    // Act
    await deleteConnection(deps, "acme", target);

    // Assess: nothing of the deleted connection is left; acme's other and globex's keep theirs.
    expect(namesOf(schedules, target)).toEqual([]);
    expect(namesOf(schedules, sibling)).toEqual(expect.arrayContaining(windows.sibling));
    expect(namesOf(schedules, foreign)).toEqual(expect.arrayContaining(windows.foreign));
  });

  it("are deleted when the connection is disabled, and no other connection's with them", async () => {
    // Prepare
    const { deps, schedules, target, sibling, foreign, windows } = await threeWithWindows();

    // Act
    const view = await updateConnection(deps, "acme", target, { enabled: false });

    // Assess
    expect(view.enabled).toBe(false);
    expect(namesOf(schedules, target)).toEqual([]);
    expect(namesOf(schedules, sibling)).toEqual(expect.arrayContaining(windows.sibling));
    expect(namesOf(schedules, foreign)).toEqual(expect.arrayContaining(windows.foreign));
  });

  it("are not touched by a change that keeps the connection enabled", async () => {
    // Prepare
    const { deps, schedules, target, windows } = await threeWithWindows();

    // Act
    await updateConnection(deps, "acme", target, { tier: "paid" });

    // Assess
    expect(namesOf(schedules, target)).toEqual(expect.arrayContaining(windows.target));
  });

  it("come back with re-enabling's initial sessions run, the calendar sync that puts them", async () => {
    // Prepare
    const { deps, jobs, queue, target } = await threeWithWindows();
    await finishAll(jobs);
    await updateConnection(deps, "acme", target, { enabled: false });
    const sentBefore = queue.sent.length;

    // Act
    await updateConnection(deps, "acme", target, { enabled: true });

    // Assess
    const queued = queue.sent.slice(sentBefore).map(({ message }) => message);
    expect(queued).toContainEqual(
      expect.objectContaining({ connectionId: target, syncType: "sessions", source: "initial" }),
    );
  });

  it("are not looked for when the provider has no windowed sync types", async () => {
    // Prepare
    const { deps, windowSchedules } = world();
    const club = await createConnection(deps, "acme", clubBody());

    // Act
    await updateConnection(deps, "acme", club.connectionId, { enabled: false });
    await deleteConnection(deps, "acme", club.connectionId);

    // Assess: no ListSchedules call (each is a Scheduler API call the deployment pays for).
    expect(windowSchedules.listed).toEqual([]);
  });

  it("keep the connection when they cannot be deleted, so the delete can be tried again", async () => {
    // Prepare
    const { deps, connections, windowSchedules, target } = await threeWithWindows();
    const failing = {
      ...windowSchedules,
      names: async () => {
        throw new Error("Scheduler unavailable");
      },
    };

    // Act
    const deleted = deleteConnection({ ...deps, windowSchedules: failing }, "acme", target);

    // Assess
    await expect(deleted).rejects.toThrow("Scheduler unavailable");
    expect(await connections.get("acme", target)).toBeDefined();
  });
});
