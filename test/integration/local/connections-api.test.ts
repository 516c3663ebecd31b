/**
 * The stand-in's `@connections` endpoint on a real HTTP server (free port): it answers only
 * requests SigV4-signed with the credentials the stand-in hands its handlers, and the handlers'
 * own publisher (ApiGatewayManagementApiClient through the default credential chain) gets through.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createPublisher } from "#adapters/ws-publisher.ts";
import { clientConfig, LOCAL_CREDENTIALS, LOCAL_REGION } from "../../../local/aws/aws-config.ts";
import {
  type ConnectionRegistry,
  type ConnectionsApiAuth,
  handleConnectionsRequest,
  NodeSha256,
} from "../../../local/gateways/connections-api.ts";

/** Connections that exist, and what each was sent. */
const open = new Map<string, string[]>();
const registry: ConnectionRegistry = {
  send: (id, data) => {
    open.get(id)?.push(data);
    return open.has(id);
  },
  close: (id) => open.delete(id),
  info: (id) =>
    open.has(id) ? { connectedAt: 0, lastActiveAt: 0, sourceIp: "127.0.0.1", userAgent: "test" } : undefined,
};

let server: Server;
let callbackUrl: string;
let serverAuth: ConnectionsApiAuth = {};
const clients: ApiGatewayManagementApiClient[] = [];

function client(
  credentials: { accessKeyId: string; secretAccessKey: string } = LOCAL_CREDENTIALS,
): ApiGatewayManagementApiClient {
  const created = new ApiGatewayManagementApiClient({
    ...clientConfig(callbackUrl),
    credentials,
    maxAttempts: 1,
  });
  clients.push(created);
  return created;
}

/** A request signed like the SDK signs it, for the cases the SDK cannot be made to send. */
async function signed(body: string, path = "/local/@connections/c-1"): Promise<Record<string, string>> {
  const url = new URL(callbackUrl);
  const signer = new SignatureV4({
    service: "execute-api",
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    sha256: NodeSha256,
  });
  const request = await signer.sign({
    method: "POST",
    protocol: "http:",
    hostname: url.hostname,
    port: Number(url.port),
    path,
    query: {},
    headers: { host: url.host, "content-type": "application/json" },
    body,
  });
  return request.headers;
}

beforeAll(async () => {
  server = createServer((request, response) => {
    handleConnectionsRequest(request, response, registry, serverAuth).then(
      (handled) => {
        if (!handled) response.writeHead(404).end();
      },
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  callbackUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/local`;
});

afterEach(() => {
  open.clear();
  serverAuth = {};
  vi.unstubAllEnvs();
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe("local @connections endpoint", () => {
  it("delivers a post from the handlers' publisher, signed with the credentials from their environment", async () => {
    // What handlerEnv gives the handlers; the publisher's client reads it through the default chain.
    vi.stubEnv("AWS_ACCESS_KEY_ID", LOCAL_CREDENTIALS.accessKeyId);
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", LOCAL_CREDENTIALS.secretAccessKey);
    vi.stubEnv("AWS_REGION", LOCAL_REGION);
    open.set("c-1", []);
    const publisher = createPublisher(callbackUrl);

    const sent = await publisher.post("c-1", { type: "pong", at: "2026-01-01T00:00:00.000Z" });
    const gone = await publisher.post("c-2", { type: "pong", at: "2026-01-01T00:00:00.000Z" });

    expect(sent).toBe("sent");
    expect(open.get("c-1")).toEqual([JSON.stringify({ type: "pong", at: "2026-01-01T00:00:00.000Z" })]);
    expect(gone).toBe("gone");
  });

  it("serves signed GET and DELETE, with ids that need escaping in the path", async () => {
    const id = "gone/+== ünï";
    open.set(id, []);
    const management = client();

    const info = await management.send(new GetConnectionCommand({ ConnectionId: id }));
    await management.send(new PostToConnectionCommand({ ConnectionId: id, Data: "hello" }));
    await management.send(new DeleteConnectionCommand({ ConnectionId: id }));

    expect(info.Identity?.SourceIp).toBe("127.0.0.1");
    expect(open.has(id)).toBe(false);
  });

  it("refuses an unsigned post with 403 ForbiddenException and a message, delivering nothing", async () => {
    open.set("c-1", []);

    const response = await fetch(`${callbackUrl}/@connections/c-1`, { method: "POST", body: "hi" });

    expect(response.status).toBe(403);
    expect(response.headers.get("x-amzn-errortype")).toBe("ForbiddenException");
    expect(await response.json()).toEqual({
      message: expect.stringMatching(/Missing Authentication Token/),
      error: { code: "FORBIDDEN", message: expect.stringMatching(/Missing Authentication Token/) },
    });
    expect(open.get("c-1")).toEqual([]);
  });

  it("refuses a client that signs with another secret (the SDK raises ForbiddenException)", async () => {
    open.set("c-1", []);
    const stranger = client({ accessKeyId: LOCAL_CREDENTIALS.accessKeyId, secretAccessKey: "local" });

    const error = await stranger
      .send(new PostToConnectionCommand({ ConnectionId: "c-1", Data: "hi" }))
      .catch((e: unknown) => e);

    expect((error as Error).name).toBe("ForbiddenException");
    expect((error as Error).message).toMatch(/signature we calculated does not match/);
    expect(open.get("c-1")).toEqual([]);
  });

  it("refuses an unknown access key id", async () => {
    open.set("c-1", []);
    const stranger = client({
      accessKeyId: "AKIAEXAMPLE",
      secretAccessKey: LOCAL_CREDENTIALS.secretAccessKey,
    });

    const error = await stranger
      .send(new PostToConnectionCommand({ ConnectionId: "c-1", Data: "hi" }))
      .catch((e: unknown) => e);

    expect((error as Error).name).toBe("ForbiddenException");
    expect(open.get("c-1")).toEqual([]);
  });

  it("refuses a signed request whose body was swapped", async () => {
    open.set("c-1", []);
    const headers = await signed('{"type":"pong"}');

    const response = await fetch(`${callbackUrl}/@connections/c-1`, {
      method: "POST",
      headers,
      body: '{"type":"error"}',
    });

    expect(response.status).toBe(403);
    expect(open.get("c-1")).toEqual([]);
  });

  it("refuses a signed request sent to another connection than the one signed for", async () => {
    open.set("c-1", []);
    open.set("c-2", []);
    const headers = await signed("hi", "/local/@connections/c-1");

    const response = await fetch(`${callbackUrl}/@connections/c-2`, { method: "POST", headers, body: "hi" });

    expect(response.status).toBe(403);
    expect(open.get("c-2")).toEqual([]);
  });

  it("accepts the same hand-signed request unchanged (the two cases above fail for their change)", async () => {
    open.set("c-1", []);
    const headers = await signed("hi");

    const response = await fetch(`${callbackUrl}/@connections/c-1`, { method: "POST", headers, body: "hi" });

    expect(response.status).toBe(200);
    expect(open.get("c-1")).toEqual(["hi"]);
  });

  it("refuses a signature made more than 15 minutes from the server's time", async () => {
    open.set("c-1", []);
    serverAuth = { now: () => Date.now() + 20 * 60_000 };

    const error = await client()
      .send(new PostToConnectionCommand({ ConnectionId: "c-1", Data: "hi" }))
      .catch((e: unknown) => e);

    expect((error as Error).name).toBe("ForbiddenException");
    expect((error as Error).message).toMatch(/Signature expired/);
    expect(open.get("c-1")).toEqual([]);
  });
});
