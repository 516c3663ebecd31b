import { describe, expect, it } from "vitest";
import { createConnection, updateConnection } from "#core/connections/use-cases.ts";
import { clubBody, SECRET, setup } from "./fakes.ts";

describe("a change that fails partway is undone", () => {
  it("create: a schedules failure removes the schedules, the record and the secret, and is rethrown", async () => {
    const { deps, connections, secrets, schedules } = setup();
    schedules.failNextPutWith = new Error("Scheduler unavailable");

    await expect(
      createConnection(deps, "acme", clubBody({ settings: { clubId: 1, experimental: true } })),
    ).rejects.toThrow("Scheduler unavailable");

    expect(schedules.names()).toEqual([]);
    expect(connections.records.size).toBe(0);
    expect(secrets.values.size).toBe(0);
  });

  it("create: a failure to store the record deletes the secret, and puts no schedule", async () => {
    const { deps, connections, secrets, schedules } = setup();
    connections.failCreateWith = new Error("DynamoDB unavailable");

    await expect(createConnection(deps, "acme", clubBody())).rejects.toThrow("DynamoDB unavailable");

    expect(secrets.values.size).toBe(0);
    expect(schedules.calls.filter((c) => c.op === "put")).toEqual([]);
  });

  it("create: an undo step that fails is reported, and the rest still run", async () => {
    const failures: string[] = [];
    const { deps, connections, secrets, schedules } = setup({ onUndoFailed: (step) => failures.push(step) });
    schedules.failNextPutWith = new Error("Scheduler unavailable");
    schedules.remove = async () => {
      throw new Error("still unavailable");
    };

    await expect(createConnection(deps, "acme", clubBody())).rejects.toThrow("Scheduler unavailable");

    expect(failures).toEqual(["remove the schedules"]);
    expect(connections.records.size).toBe(0);
    expect(secrets.values.size).toBe(0);
  });

  it("update: a schedules failure puts the record, the secret and the schedules back as they were", async () => {
    const { deps, connections, secrets, schedules } = setup();
    const { connectionId: id } = await createConnection(deps, "acme", clubBody());
    const before = await connections.get("acme", id);
    schedules.failNextPutWith = new Error("Scheduler unavailable");

    await expect(
      updateConnection(deps, "acme", id, {
        settings: { experimental: true },
        credentials: { apiKey: "New1Key" },
      }),
    ).rejects.toThrow("Scheduler unavailable");

    const after = await connections.get("acme", id);
    expect(after).toMatchObject({
      settings: before?.settings,
      schedules: before?.schedules,
      budgetKey: before?.budgetKey,
      credentialsFingerprint: before?.credentialsFingerprint,
    });
    expect(secrets.values.get(`pacer/connections/${id}`)).toEqual({ apiKey: SECRET });
    expect(schedules.names()).toEqual([`${id}.members`]);
  });

  it("update: a failed first secret of a connection without credentials is deleted again", async () => {
    const { deps, connections, secrets, schedules } = setup();
    const { connectionId: id } = await createConnection(deps, "acme", { provider: "openf1" });
    schedules.failNextPutWith = new Error("Scheduler unavailable");

    await expect(
      updateConnection(deps, "acme", id, { enabled: true, credentials: { username: "u", password: "p" } }),
    ).rejects.toThrow("Scheduler unavailable");

    expect(secrets.values.size).toBe(0);
    expect((await connections.get("acme", id))?.credentialsFingerprint).toBeUndefined();
  });
});
