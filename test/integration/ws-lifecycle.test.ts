/**
 * WebSocket connections end to end on the local stack: quick connect → subscribe → close cycles
 * leave no subscription behind (a subscribe racing `$disconnect` either lands first and is cleaned
 * up, or fails), the `@connections` endpoint refuses unsigned callers, and no token is minted for a
 * path-like tenant id. Needs the in-process stack (its DynamoDB and callback URL): skipped against
 * an external target.
 */
import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConnectionRepository } from "#adapters/connections.ts";
import { UnauthorizedError } from "#core/errors.ts";
import { clientConfig } from "../../local/aws/aws-config.ts";
import type { LocalStack } from "../../local/stack.ts";
import { eventually } from "./support/eventually.ts";
import { externalTarget, startTarget, type Target } from "./support/target.ts";
import { connect, type WsClient } from "./support/ws-client.ts";

const TOPIC = "openf1/meetings";
const CYCLES = 150;
/** Cycles in flight at once: enough to overlap subscribes with other connections' disconnects. */
const PARALLEL = 10;

let target: Target;
let stack: LocalStack;
let raw: DynamoDBClient;
let dynamo: DynamoDBDocumentClient;

beforeAll(async () => {
  if (externalTarget) return;
  target = await startTarget();
  stack = target.local as LocalStack;
  raw = new DynamoDBClient(clientConfig(stack.dynamoEndpoint));
  dynamo = DynamoDBDocumentClient.from(raw);
});

afterAll(async () => {
  raw?.destroy();
  await target?.stop();
});

/** Every item of the connections table. */
async function connectionItems(): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamo.send(
      new ScanCommand({ TableName: stack.tables.connections, ConsistentRead: true, ExclusiveStartKey }),
    );
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

const isSubscription = (item: Record<string, unknown>) =>
  String(item.pk).startsWith("SUB#") || String(item.sk).startsWith("SUB#");

/** One cycle; which kind it is decides how far the subscribe gets before the socket closes. */
async function cycle(i: number, token: string): Promise<"subscribed" | "closed early"> {
  const client = await connect(stack.ws, token);
  try {
    client.send({ action: "subscribe", topic: TOPIC });
    if (i % 3 === 0) {
      await client.waitFor((m) => m.type === "subscribed");
      return "subscribed";
    }
    // Closing at once, or after a turn of the event loop, races the subscribe against `$disconnect`.
    if (i % 3 === 2) await new Promise((resolve) => setImmediate(resolve));
    return "closed early";
  } finally {
    await client.close();
  }
}

/** The connection id the gateway gave `client`: the one META item of `tenantId`. */
async function connectionIdOf(tenantId: string): Promise<string> {
  const items = await eventually(
    async () => (await connectionItems()).filter((item) => item.sk === "META" && item.tenantId === tenantId),
    (found) => found.length === 1,
  );
  expect(items).toHaveLength(1);
  return String(items[0]?.connectionId);
}

describe.skipIf(externalTarget)("WebSocket connection lifecycle", () => {
  it("leaves no subscription behind after many quick connect → subscribe → close cycles", async () => {
    const token = (await stack.issueToken("lifecycle")) as string;
    const outcomes: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < CYCLES) {
          const i = next++;
          outcomes.push(await cycle(i, token));
        }
      }),
    );

    // Subscriptions, and the connections themselves: every one of these sockets is closed.
    const left = await eventually(
      async () =>
        (await connectionItems()).filter((item) => isSubscription(item) || item.tenantId === "lifecycle"),
      (items) => items.length === 0,
      30_000,
    );

    expect(outcomes.filter((o) => o === "subscribed")).toHaveLength(CYCLES / 3);
    expect(left).toEqual([]);
  });

  it("refuses a subscribe on a connection that is gone, and removes one that raced its removal", async () => {
    const repository = createConnectionRepository({ tableName: stack.tables.connections, client: dynamo });
    const connections = Array.from({ length: 20 }, (_, i) => `race-${i}`);
    await Promise.all(
      connections.map((connectionId) =>
        repository.save({ connectionId, tenantId: "race", connectedAt: new Date().toISOString() }),
      ),
    );

    const outcomes = await Promise.all(
      connections.map(async (connectionId) => {
        const [subscribed] = await Promise.allSettled([
          repository.subscribe(connectionId, "race", TOPIC),
          repository.remove(connectionId),
        ]);
        return subscribed;
      }),
    );
    const late = await repository.subscribe("race-0", "race", TOPIC).catch((e: unknown) => e);

    for (const outcome of outcomes) {
      if (outcome.status === "rejected") expect(outcome.reason).toBeInstanceOf(UnauthorizedError);
    }
    expect(late).toBeInstanceOf(UnauthorizedError);
    expect((late as Error).message).toMatch(/not registered/);
    expect(await repository.subscribers("race", TOPIC)).toEqual([]);
    expect((await connectionItems()).filter((item) => String(item.pk).startsWith("CONN#race-"))).toEqual([]);
  });

  it("refuses an unsigned post to a live connection, while the handlers' signed one gets through", async () => {
    const token = (await stack.issueToken("callback")) as string;
    const client: WsClient = await connect(stack.ws, token);
    const management = new ApiGatewayManagementApiClient(clientConfig(stack.wsCallbackUrl));
    try {
      const connectionId = await connectionIdOf("callback");
      const url = `${stack.wsCallbackUrl}/@connections/${encodeURIComponent(connectionId)}`;

      const unsigned = await fetch(url, { method: "POST", body: JSON.stringify({ type: "forged" }) });
      await management.send(
        new PostToConnectionCommand({
          ConnectionId: connectionId,
          Data: JSON.stringify({ type: "genuine" }),
        }),
      );
      await client.waitFor((m) => m.type === "genuine");

      expect(unsigned.status).toBe(403);
      expect(unsigned.headers.get("x-amzn-errortype")).toBe("ForbiddenException");
      expect(await unsigned.json()).toEqual({
        message: expect.any(String),
        error: { code: "FORBIDDEN", message: expect.any(String) },
      });
      expect(client.messages.map((m) => m.type)).toEqual(["genuine"]);
    } finally {
      management.destroy();
      await client.close();
    }
  });

  it("mints no token for the tenant '..', over POST /dev/token or directly", async () => {
    const refused = await fetch(`${stack.api}/dev/token`, {
      method: "POST",
      body: JSON.stringify({ tenantId: ".." }),
    });
    const accepted = await fetch(`${stack.api}/dev/token`, {
      method: "POST",
      body: JSON.stringify({ tenantId: "acme" }),
    });

    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { code: "VALIDATION_ERROR" } });
    expect(accepted.status).toBe(200);
    await expect(stack.issueToken("..")).rejects.toThrow(/tenant id ".." is invalid/);
  });
});
