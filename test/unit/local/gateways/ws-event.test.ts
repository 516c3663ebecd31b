import { describe, expect, it } from "vitest";
import {
  checkFrame,
  connectEvent,
  messageEvent,
  newConnectionId,
  selectRoute,
} from "../../../../local/gateways/ws-event.ts";

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

describe("checkFrame", () => {
  const ping = Buffer.from('{"action":"ping"}');

  it("lets a UTF-8 text frame within the limit through to routing", () => {
    expect(checkFrame(ping, false, 128)).toBeUndefined();
    expect(checkFrame(Buffer.from('{"action":"ping","note":"ß✓😀"}'), false, 128)).toBeUndefined();
  });

  it("refuses a message over the limit, then closes as API Gateway does (1009)", () => {
    expect(checkFrame(Buffer.alloc(129, 0x20), false, 128)).toEqual({
      code: "MESSAGE_TOO_LARGE",
      message: expect.stringContaining("at most 128"),
      closeCode: 1009,
    });
  });

  it("refuses a binary frame, then closes as API Gateway does (1003)", () => {
    expect(checkFrame(ping, true, 128)).toMatchObject({ code: "UNSUPPORTED_FRAME", closeCode: 1003 });
  });

  it("answers text that is not UTF-8 without closing", () => {
    expect(checkFrame(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), false, 128)).toEqual({
      code: "VALIDATION_ERROR",
      message: expect.stringContaining("UTF-8"),
    });
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
