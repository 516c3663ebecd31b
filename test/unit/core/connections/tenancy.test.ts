import { describe, expect, it } from "vitest";
import {
  createConnection,
  deleteConnection,
  getConnection,
  listConnections,
  updateConnection,
} from "#core/connections/use-cases.ts";
import { NotFoundError } from "#core/errors.ts";
import { clubBody, setup } from "./fakes.ts";

describe("deleteConnection", () => {
  it("removes its schedules, its record and its secret", async () => {
    const { deps, connections, secrets, schedules } = setup();
    const { connectionId } = await createConnection(
      deps,
      "acme",
      clubBody({ settings: { clubId: 1, experimental: true } }),
    );

    await deleteConnection(deps, "acme", connectionId);

    expect(schedules.names()).toEqual([]);
    expect(connections.records.size).toBe(0);
    expect(secrets.values.size).toBe(0);
    await expect(getConnection(deps, "acme", connectionId)).rejects.toThrow(NotFoundError);
  });

  it("leaves the tenant's other connections alone", async () => {
    const { deps, schedules } = setup();
    const gone = await createConnection(deps, "acme", clubBody());
    const kept = await createConnection(deps, "acme", clubBody());

    await deleteConnection(deps, "acme", gone.connectionId);

    expect(schedules.names()).toEqual([`${kept.connectionId}.members`]);
    expect((await listConnections(deps, "acme")).connections.map((c) => c.connectionId)).toEqual([
      kept.connectionId,
    ]);
  });
});

describe("another tenant's connection", () => {
  async function acmeConnection() {
    const world = setup();
    const view = await createConnection(world.deps, "acme", clubBody());
    return { ...world, id: view.connectionId };
  }

  it("is not listed", async () => {
    const { deps } = await acmeConnection();

    expect(await listConnections(deps, "globex")).toEqual({ connections: [] });
  });

  it("reads, patches and deletes as a missing one would, with the same message, changing nothing", async () => {
    const { deps, connections, secrets, schedules, id } = await acmeConnection();
    const missing = "c-ffffffffffffffffffff";
    const notFound = async (attempt: Promise<unknown>) => {
      const error = await attempt.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(NotFoundError);
      return (error as Error).message.replace(id, "<id>").replace(missing, "<id>");
    };

    const messages = [
      await notFound(getConnection(deps, "globex", id)),
      await notFound(updateConnection(deps, "globex", id, { enabled: false })),
      await notFound(deleteConnection(deps, "globex", id)),
      await notFound(getConnection(deps, "acme", missing)),
      await notFound(updateConnection(deps, "acme", missing, { enabled: false })),
      await notFound(deleteConnection(deps, "acme", missing)),
    ];

    expect(new Set(messages)).toEqual(new Set(['no connection "<id>"']));
    expect((await connections.get("acme", id))?.version).toBe(1);
    expect(secrets.values.size).toBe(1);
    expect(schedules.names()).toEqual([`${id}.members`]);
  });

  it("answers an id that is no connection id as not found, without a read", async () => {
    const { deps } = setup();
    const reads: string[] = [];
    const spying = {
      ...deps,
      connections: {
        ...deps.connections,
        get: async (_t: string, id: string) => {
          reads.push(id);
          return undefined;
        },
      },
    };

    await expect(getConnection(spying, "acme", "../../etc")).rejects.toThrow(NotFoundError);
    expect(reads).toEqual([]);
  });
});
