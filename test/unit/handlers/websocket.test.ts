import { beforeEach, describe, expect, it, vi } from "vitest";
import { logger } from "#adapters/observability.ts";
import { createLive } from "#core/live.ts";
import { createWebSocketHandler, type WebSocketEvent } from "#handlers/websocket.ts";
import { InMemoryConnections, RecordingPublisher } from "../support/live-fakes.ts";

vi.hoisted(() => {
  // The handler module wires its adapters from the environment at load time.
  process.env.PACER_CONNECTIONS_TABLE = "test-connections";
  process.env.PACER_WS_CALLBACK_URL = "http://127.0.0.1:9/@connections";
  // A subscription to stale data queues its refresh: the data table and the job queues.
  process.env.PACER_DATA_TABLE = "test-data";
  process.env.PACER_QUEUES = "{}";
});

const TOPICS = ["jobs", "openf1/meetings", "openf1/weather"];

function connectEvent(connectionId: string, tenantId?: string): WebSocketEvent {
  return {
    requestContext: {
      routeKey: "$connect",
      connectionId,
      connectedAt: Date.parse("2024-05-01T10:00:00.000Z"),
      authorizer: tenantId === undefined ? null : { tenantId, sub: "user-1", principalId: "user-1" },
    },
  } as WebSocketEvent;
}

function messageEvent(connectionId: string, body: unknown, routeKey = "$default"): WebSocketEvent {
  return {
    requestContext: { routeKey, connectionId },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

let connections: InMemoryConnections;
let publisher: RecordingPublisher;
let handle: ReturnType<typeof createWebSocketHandler>;

beforeEach(() => {
  vi.spyOn(logger, "info").mockImplementation(() => undefined);
  vi.spyOn(logger, "warn").mockImplementation(() => undefined);
  connections = new InMemoryConnections();
  publisher = new RecordingPublisher();
  const live = createLive({
    connections,
    publisher,
    knownTopics: TOPICS,
    now: () => new Date("2024-05-01T12:00:00.000Z"),
  });
  handle = createWebSocketHandler(live);
});

describe("websocket $connect / $disconnect", () => {
  it("registers the connection under the tenant the authorizer verified", async () => {
    await expect(handle(connectEvent("c1", "acme"))).resolves.toEqual({ statusCode: 200 });
    expect(connections.connections.get("c1")).toEqual({
      connectionId: "c1",
      tenantId: "acme",
      connectedAt: "2024-05-01T10:00:00.000Z",
    });
  });

  it("refuses a connection the authorizer did not vouch for", async () => {
    await expect(handle(connectEvent("c1"))).resolves.toMatchObject({ statusCode: 401 });
    expect(connections.connections.size).toBe(0);
  });

  it("forgets the connection and its subscriptions on disconnect", async () => {
    await handle(connectEvent("c1", "acme"));
    await handle(messageEvent("c1", { action: "subscribe", topic: "jobs" }));
    await expect(handle(messageEvent("c1", undefined, "$disconnect"))).resolves.toEqual({ statusCode: 200 });
    expect(connections.connections.has("c1")).toBe(false);
    expect(await connections.subscribers("acme", "jobs")).toEqual([]);
  });
});

describe("websocket messages", () => {
  beforeEach(async () => {
    await handle(connectEvent("c1", "acme"));
  });

  it("subscribes and acknowledges, so the client knows updates will flow", async () => {
    const result = await handle(
      messageEvent("c1", { action: "subscribe", topic: "openf1/weather" }, "subscribe"),
    );
    expect(result).toEqual({ statusCode: 200 });
    expect(publisher.to("c1")).toEqual([{ type: "subscribed", topic: "openf1/weather" }]);
    expect(await connections.subscribers("acme", "openf1/weather")).toEqual(["c1"]);
  });

  it("subscribes to a race event's participants, results and publications, but to no other kind", async () => {
    const event = "events/ev-0123456789abcdef0123";

    for (const kind of ["participants", "results", "publications"]) {
      await handle(messageEvent("c1", { action: "subscribe", topic: `${event}/${kind}` }));
    }
    await handle(messageEvent("c1", { action: "subscribe", topic: `${event}/secrets` }));

    expect(await connections.subscribers("acme", `${event}/participants`)).toEqual(["c1"]);
    expect(await connections.subscribers("acme", `${event}/publications`)).toEqual(["c1"]);
    expect(publisher.last("c1")).toMatchObject({ type: "error", error: { code: "VALIDATION_ERROR" } });
    expect(await connections.subscribers("acme", `${event}/secrets`)).toEqual([]);
  });

  it("unsubscribes and acknowledges", async () => {
    await handle(messageEvent("c1", { action: "subscribe", topic: "jobs" }));
    await handle(messageEvent("c1", { action: "unsubscribe", topic: "jobs" }, "unsubscribe"));
    expect(publisher.last("c1")).toEqual({ type: "unsubscribed", topic: "jobs" });
    expect(await connections.subscribers("acme", "jobs")).toEqual([]);
  });

  it("answers ping with pong", async () => {
    await handle(messageEvent("c1", { action: "ping" }, "ping"));
    expect(publisher.to("c1")).toEqual([{ type: "pong", at: "2024-05-01T12:00:00.000Z" }]);
  });

  it("subscribes under the connection's own tenant whatever the message claims", async () => {
    await handle(messageEvent("c1", { action: "subscribe", topic: "jobs", tenantId: "globex" }));
    expect(await connections.subscribers("globex", "jobs")).toEqual([]);
    expect(await connections.subscribers("acme", "jobs")).toEqual(["c1"]);
  });

  it("reads base64-encoded frames", async () => {
    const body = Buffer.from(JSON.stringify({ action: "ping" })).toString("base64");
    await handle({
      requestContext: { routeKey: "$default", connectionId: "c1" },
      body,
      isBase64Encoded: true,
    });
    expect(publisher.last("c1")).toMatchObject({ type: "pong" });
  });

  it.each([
    ["an unknown action", { action: "dance" }, 'unknown action "dance"'],
    [
      "a malformed topic",
      { action: "subscribe", topic: "OpenF1 weather" },
      'topic "OpenF1 weather" is not valid',
    ],
    [
      "a topic nothing publishes",
      { action: "subscribe", topic: "openf1/weathr" },
      'unknown topic "openf1/weathr"',
    ],
    ["a frame that is not JSON", "{nope", "not JSON"],
  ])("answers %s with a VALIDATION_ERROR naming the problem, not a 500", async (_, body, expected) => {
    await expect(handle(messageEvent("c1", body))).resolves.toEqual({ statusCode: 200 });
    const reply = publisher.last("c1");
    expect(reply).toMatchObject({ type: "error", error: { code: "VALIDATION_ERROR" } });
    expect(reply?.type === "error" ? reply.error.message : "").toContain(expected);
    expect(await connections.subscribers("acme", "openf1/weathr")).toEqual([]);
  });

  it("lists the known topics when a topic is unknown", async () => {
    await handle(messageEvent("c1", { action: "subscribe", topic: "openf1/nope" }));
    const reply = publisher.last("c1");
    expect(reply?.type === "error" ? reply.error.message : "").toContain(
      "jobs, openf1/meetings, openf1/weather",
    );
  });

  it("tells a connection that is not registered to reconnect", async () => {
    await handle(messageEvent("ghost", { action: "subscribe", topic: "jobs" }));
    expect(publisher.last("ghost")).toMatchObject({ type: "error", error: { code: "UNAUTHORIZED" } });
    expect(await connections.subscribers("acme", "jobs")).toEqual([]);
  });

  it("answers a storage failure with one INTERNAL_ERROR frame, and logs it as an error", async () => {
    const logged = vi.spyOn(logger, "error").mockImplementation(() => undefined);
    connections.failSubscribe = new Error("ProvisionedThroughputExceededException");

    const result = await handle(messageEvent("c1", { action: "subscribe", topic: "jobs" }));

    // Resolving (not throwing) keeps API Gateway from sending the client a second frame.
    expect(result).toEqual({ statusCode: 500 });
    expect(publisher.to("c1")).toEqual([
      { type: "error", error: { code: "INTERNAL_ERROR", message: expect.any(String) } },
    ]);
    expect(logged).toHaveBeenCalledWith(
      "websocket message failed",
      expect.objectContaining({ error: connections.failSubscribe }),
    );
  });

  it("throws when even the reply cannot be posted, so API Gateway tells the client", async () => {
    vi.spyOn(logger, "error").mockImplementation(() => undefined);
    publisher.failing.set("c1", new Error("@connections unreachable"));

    await expect(handle(messageEvent("c1", { action: "ping" }))).rejects.toThrow("@connections unreachable");
  });

  it.each([
    ["subscribe", "a".repeat(2_048)],
    ["unsubscribe", "a".repeat(2_048)],
    ["unsubscribe", `openf1/${"w".repeat(300)}`],
  ])(
    "answers %s of an over-long topic with one VALIDATION_ERROR, before any lookup",
    async (action, topic) => {
      connections.failSubscribe = new Error("the store must not be reached");

      const result = await handle(messageEvent("c1", { action, topic }, action));

      expect(result).toEqual({ statusCode: 200 });
      expect(publisher.to("c1")).toEqual([
        {
          type: "error",
          error: { code: "VALIDATION_ERROR", message: expect.stringContaining("at most 200") },
        },
      ]);
    },
  );

  it("refuses to unsubscribe from a topic nothing publishes, like subscribe", async () => {
    await handle(messageEvent("c1", { action: "unsubscribe", topic: "openf1/weathr" }, "unsubscribe"));

    expect(publisher.to("c1")).toEqual([
      {
        type: "error",
        error: {
          code: "VALIDATION_ERROR",
          message: expect.stringContaining('unknown topic "openf1/weathr"'),
        },
      },
    ]);
  });
});

describe("websocket subscribe refreshes stale data", () => {
  let refreshed: { tenantId: string; topic: string }[];
  let failures: unknown[];

  function handlerWith(refresh: (tenantId: string, topic: string) => Promise<{ jobId: string } | null>) {
    const live = createLive({
      connections,
      publisher,
      knownTopics: TOPICS,
      refreshOnSubscribe: async (tenantId, topic) => {
        refreshed.push({ tenantId, topic });
        return refresh(tenantId, topic);
      },
      onRefreshFailed: (_topic, error) => failures.push(error),
    });
    return createWebSocketHandler(live);
  }

  beforeEach(async () => {
    refreshed = [];
    failures = [];
    await handle(connectEvent("c1", "acme"));
  });

  it("names the refresh it queued in its one reply, for the connection's own tenant", async () => {
    // Prepare
    const subscribe = handlerWith(async () => ({ jobId: "r-1" }));

    // Act
    await subscribe(
      messageEvent("c1", { action: "subscribe", topic: "openf1/meetings", tenantId: "globex" }),
    );

    // Assess
    expect(refreshed).toEqual([{ tenantId: "acme", topic: "openf1/meetings" }]);
    expect(publisher.to("c1")).toEqual([
      { type: "subscribed", topic: "openf1/meetings", refresh: { jobId: "r-1" } },
    ]);
  });

  it("acknowledges without a refresh when the data is fresh", async () => {
    // Prepare
    const subscribe = handlerWith(async () => null);

    // Act
    await subscribe(messageEvent("c1", { action: "subscribe", topic: "openf1/meetings" }));

    // Assess
    expect(publisher.to("c1")).toEqual([{ type: "subscribed", topic: "openf1/meetings" }]);
  });

  it("keeps the subscription, with one plain reply, when the refresh cannot be queued", async () => {
    // Prepare
    const subscribe = handlerWith(async () => {
      throw new Error("queue unreachable");
    });

    // Act
    const result = await subscribe(messageEvent("c1", { action: "subscribe", topic: "openf1/meetings" }));

    // Assess
    expect(result).toEqual({ statusCode: 200 });
    expect(publisher.to("c1")).toEqual([{ type: "subscribed", topic: "openf1/meetings" }]);
    expect(await connections.subscribers("acme", "openf1/meetings")).toEqual(["c1"]);
    expect(failures).toHaveLength(1);
  });

  it("refreshes nothing for a topic it refuses", async () => {
    // Prepare
    const subscribe = handlerWith(async () => ({ jobId: "r-1" }));

    // Act
    await subscribe(messageEvent("c1", { action: "subscribe", topic: "openf1/nope" }));

    // Assess
    expect(refreshed).toEqual([]);
    expect(publisher.last("c1")).toMatchObject({ type: "error" });
  });
});
