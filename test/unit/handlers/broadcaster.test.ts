import { GoneException } from "@aws-sdk/client-apigatewaymanagementapi";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { logger } from "#adapters/observability.ts";
import { createPublisher } from "#adapters/ws-publisher.ts";
import { createLive, type Live } from "#core/live.ts";
import type { ServerMessage, TenantMessage } from "#core/live-messages.ts";
import { createBroadcaster } from "#handlers/broadcaster.ts";
import { InMemoryConnections, RecordingPublisher } from "../support/live-fakes.ts";

vi.hoisted(() => {
  process.env.PACER_CONNECTIONS_TABLE = "test-connections";
  process.env.PACER_WS_CALLBACK_URL = "http://127.0.0.1:9/@connections";
});

const update = (tenantId: string, topic: string, id = "e1"): TenantMessage => ({
  tenantId,
  topic,
  message: {
    type: "update",
    topic,
    entity: { type: topic.split("/")[1] ?? "", id, data: { n: 1 } },
    change: "created",
    at: "2024-05-01T10:00:00.000Z",
  },
});

let connections: InMemoryConnections;
let publisher: RecordingPublisher;
let live: Live;

async function connect(connectionId: string, tenantId: string, ...topics: string[]): Promise<void> {
  await live.connect({ connectionId, tenantId, connectedAt: "2024-05-01T09:00:00.000Z" });
  for (const topic of topics)
    await live.receive(connectionId, JSON.stringify({ action: "subscribe", topic }));
  publisher.sent.delete(connectionId); // forget the acknowledgements
}

beforeEach(() => {
  vi.spyOn(logger, "warn").mockImplementation(() => undefined);
  connections = new InMemoryConnections();
  publisher = new RecordingPublisher();
  live = createLive({ connections, publisher });
});

describe("broadcast", () => {
  it("reaches only the same tenant's subscribers of that topic", async () => {
    await connect("acme-weather", "acme", "openf1/weather");
    await connect("acme-both", "acme", "openf1/weather", "jobs");
    await connect("acme-jobs", "acme", "jobs");
    await connect("globex-weather", "globex", "openf1/weather");

    const result = await live.broadcast(update("acme", "openf1/weather"));

    expect(result).toEqual({ sent: 2, gone: [], failed: [] });
    expect(publisher.to("acme-weather")).toEqual([update("acme", "openf1/weather").message]);
    expect(publisher.to("acme-both")).toEqual([update("acme", "openf1/weather").message]);
    expect(publisher.to("acme-jobs")).toEqual([]);
    expect(publisher.to("globex-weather")).toEqual([]);
  });

  it("forgets a connection the client has closed", async () => {
    await connect("open", "acme", "openf1/weather");
    await connect("closed", "acme", "openf1/weather", "jobs");
    publisher.gone.add("closed");

    const result = await live.broadcast(update("acme", "openf1/weather"));

    expect(result.gone).toEqual(["closed"]);
    expect(await connections.get("closed")).toBeUndefined();
    expect(await connections.subscribers("acme", "openf1/weather")).toEqual(["open"]);
    expect(await connections.subscribers("acme", "jobs")).toEqual([]);
  });

  it("still serves the other subscribers when one post fails", async () => {
    await connect("flaky", "acme", "jobs");
    await connect("fine", "acme", "jobs");
    const boom = new Error("socket hang up");
    publisher.failing.set("flaky", boom);

    const result = await live.broadcast(update("acme", "jobs"));

    expect(result.sent).toBe(1);
    expect(result.failed).toEqual([{ connectionId: "flaky", error: boom }]);
    expect(publisher.to("fine")).toHaveLength(1);
    expect(await connections.get("flaky")).toBeDefined();
  });

  it("reaches every subscriber of a large audience", async () => {
    for (let i = 0; i < 60; i++) await connect(`c${i}`, "acme", "jobs");
    const result = await live.broadcast(update("acme", "jobs"));
    expect(result.sent).toBe(60);
    expect(publisher.to("c59")).toHaveLength(1);
  });

  it("fails when the subscribers cannot be read, so the change is retried", async () => {
    connections.failSubscribers = new Error("table unavailable");
    await expect(live.broadcast(update("acme", "jobs"))).rejects.toThrow("table unavailable");
  });
});

function streamRecord(
  sequenceNumber: string,
  eventName: "INSERT" | "MODIFY" | "REMOVE",
  newImage: Record<string, unknown>,
): DynamoDBRecord {
  return {
    eventID: sequenceNumber,
    eventName,
    eventSource: "aws:dynamodb",
    dynamodb: {
      ApproximateCreationDateTime: 1_714_557_600,
      Keys: marshall({ pk: newImage.pk, sk: newImage.sk }) as never,
      NewImage: marshall(newImage, { removeUndefinedValues: true }) as never,
      SequenceNumber: sequenceNumber,
      StreamViewType: "NEW_AND_OLD_IMAGES",
    },
  };
}

const entity = (tenant: string, id: string) => ({
  pk: `ENT#${tenant}#openf1#weather`,
  sk: id,
  data: { air_temperature: 30.5, rainfall: 1 },
  hash: "h",
  updatedAt: "2024-05-01T10:00:00.000Z",
});

describe("broadcaster handler", () => {
  const context = { functionName: "broadcaster", awsRequestId: "req-1" } as Context;
  const run = (records: DynamoDBRecord[], l: Live = live) =>
    createBroadcaster(l)({ Records: records } satisfies DynamoDBStreamEvent, context);

  it("delivers entity changes from the stream as update messages", async () => {
    await connect("c1", "acme", "openf1/weather");

    const response = await run([streamRecord("100", "INSERT", entity("acme", "w-1"))]);

    expect(response.batchItemFailures).toEqual([]);
    expect(publisher.to("c1")).toEqual<ServerMessage[]>([
      {
        type: "update",
        topic: "openf1/weather",
        entity: { type: "weather", id: "w-1", data: { air_temperature: 30.5, rainfall: 1 } },
        change: "created",
        at: "2024-05-01T10:00:00.000Z",
      },
    ]);
  });

  it("delivers a batch's changes in stream order", async () => {
    await connect("c1", "acme", "openf1/weather");
    await run([
      streamRecord("1", "INSERT", entity("acme", "w-1")),
      streamRecord("2", "INSERT", entity("acme", "w-2")),
      streamRecord("3", "INSERT", entity("acme", "w-3")),
    ]);
    expect(publisher.to("c1").map((m) => (m.type === "update" ? m.entity.id : m.type))).toEqual([
      "w-1",
      "w-2",
      "w-3",
    ]);
  });

  it("times a deletion by the stream record, whether the poller gives epoch seconds or a Date", async () => {
    await connect("c1", "acme", "openf1/weather");
    const removal = (at: unknown): DynamoDBRecord => ({
      eventName: "REMOVE",
      dynamodb: {
        ApproximateCreationDateTime: at as number,
        OldImage: marshall(entity("acme", "w-1")) as never,
        SequenceNumber: "9",
      },
    });
    await run([removal(1_714_557_600), removal(new Date("2024-05-01T10:00:00.000Z"))]);
    expect(publisher.to("c1")).toMatchObject([
      { change: "deleted", at: "2024-05-01T10:00:00.000Z" },
      { change: "deleted", at: "2024-05-01T10:00:00.000Z" },
    ]);
  });

  it("sends nothing for history and status writes", async () => {
    await connect("c1", "acme", "openf1/weather", "jobs");
    const response = await run([
      streamRecord("1", "INSERT", {
        pk: "HIST#acme#openf1#weather#w-1",
        sk: "2024-05-01T10:00:00.000Z",
        data: {},
      }),
      streamRecord("2", "MODIFY", { pk: "STATUS#acme", sk: "openf1#weather", lastSuccessAt: "x" }),
    ]);
    expect(response.batchItemFailures).toEqual([]);
    expect(publisher.to("c1")).toEqual([]);
  });

  it("reports only the record whose subscribers could not be read as failed", async () => {
    await connect("c1", "acme", "openf1/weather");
    const flaky: Live = {
      ...live,
      broadcast: (change) =>
        change.tenantId === "globex" ? Promise.reject(new Error("throttled")) : live.broadcast(change),
    };

    const response = await run(
      [
        streamRecord("1", "INSERT", entity("acme", "w-1")),
        streamRecord("2", "INSERT", entity("globex", "w-1")),
      ],
      flaky,
    );

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: "2" }]);
    expect(publisher.to("c1")).toHaveLength(1);
  });

  it("does not fail the record when one client cannot be reached", async () => {
    await connect("c1", "acme", "openf1/weather");
    await connect("c2", "acme", "openf1/weather");
    publisher.failing.set("c1", new Error("socket hang up"));

    const response = await run([streamRecord("1", "INSERT", entity("acme", "w-1"))]);

    expect(response.batchItemFailures).toEqual([]);
    expect(publisher.to("c2")).toHaveLength(1);
    expect(logger.warn).toHaveBeenCalledWith(
      "could not post to connection",
      expect.objectContaining({ connectionId: "c1" }),
    );
  });
});

describe("ws publisher", () => {
  const message: ServerMessage = { type: "pong", at: "2024-05-01T10:00:00.000Z" };

  it("posts the message as JSON to the connection", async () => {
    const send = vi.fn().mockResolvedValue({});
    await expect(createPublisher("https://x/prod", { send }).post("c1", message)).resolves.toBe("sent");
    const input = send.mock.calls[0]?.[0].input;
    expect(input.ConnectionId).toBe("c1");
    expect(JSON.parse(String(input.Data))).toEqual(message);
  });

  it.each([
    ["GoneException", new GoneException({ message: "gone", $metadata: { httpStatusCode: 410 } })],
    ["a bare 410", Object.assign(new Error("Gone"), { $metadata: { httpStatusCode: 410 } })],
  ])("reports %s as a gone connection", async (_, error) => {
    const send = vi.fn().mockRejectedValue(error);
    await expect(createPublisher("https://x/prod", { send }).post("c1", message)).resolves.toBe("gone");
  });

  it("throws any other failure", async () => {
    const send = vi
      .fn()
      .mockRejectedValue(Object.assign(new Error("Forbidden"), { $metadata: { httpStatusCode: 403 } }));
    await expect(createPublisher("https://x/prod", { send }).post("c1", message)).rejects.toThrow(
      "Forbidden",
    );
  });
});
