import { describe, expect, it } from "vitest";
import { connectEvent, messageEvent, newConnectionId, selectRoute } from "../../local/ws-event.ts";

const connection = {
  connectionId: "abc=",
  connectedAt: 1_900_000_000_000,
  domainName: "127.0.0.1:4101",
  sourceIp: "127.0.0.1",
  userAgent: null,
  authorizer: { tenantId: "t1", sub: "dev-t1", principalId: "dev-t1" },
};

describe("selectRoute", () => {
  it.each([
    ['{"action":"subscribe","topic":"openf1/meetings"}', "subscribe"],
    ['{"action":"ping"}', "ping"],
    ['{"action":"dance"}', "$default"],
    ['{"action":"$connect"}', "$default"],
    ['{"topic":"x"}', "$default"],
    ["not json", "$default"],
  ])("%s → %s", (body, route) => {
    expect(selectRoute(body)).toBe(route);
  });
});

describe("WebSocket events", () => {
  it("carries the authorizer context on $connect and on every message after it", () => {
    const connect = connectEvent(
      connection,
      {},
      {},
      { queryStringParameters: { token: "t" }, multiValueQueryStringParameters: { token: ["t"] } },
    );
    const message = messageEvent(connection, "ping", '{"action":"ping"}');

    expect(connect.requestContext).toMatchObject({
      routeKey: "$connect",
      eventType: "CONNECT",
      connectionId: "abc=",
      authorizer: connection.authorizer,
    });
    expect(connect.queryStringParameters).toEqual({ token: "t" });
    expect(message).toMatchObject({
      body: '{"action":"ping"}',
      isBase64Encoded: false,
      requestContext: { routeKey: "ping", eventType: "MESSAGE", authorizer: connection.authorizer },
    });
  });

  it("makes connection ids shaped like API Gateway's, which need URL-encoding", () => {
    const id = newConnectionId();

    expect(id).toMatch(/^[A-Za-z0-9+/]{14}==?$/);
    expect(newConnectionId()).not.toBe(id);
  });
});
