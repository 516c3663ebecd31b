/**
 * The WebSocket API end to end: the token on connect, subscriptions, and live updates that a sync
 * writes, carried from the data table's stream through the broadcaster to the subscriber.
 *
 * By default the file starts its own local stack on free ports and stops it afterwards. To run it
 * against a stack that is already up (`npm run local`, or deployed), set PACER_API_URL, PACER_WS_URL
 * and PACER_TOKEN; then it starts nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSync, waitForJob } from "./support/api-client.ts";
import { startTarget, type Target } from "./support/target.ts";
import { connect, WsRefusedError } from "./support/ws-client.ts";

let target: Target;

beforeAll(async () => {
  target = await startTarget();
});

afterAll(async () => {
  await target?.stop();
});

describe("WebSocket API", () => {
  it("sends a subscriber an update for its topic after a sync writes it", async () => {
    // Updates follow writes, and a tenant that already holds the data gets none: use a fresh
    // tenant where the target can issue one (against a deployed stack, PACER_TOKEN_OTHER_TENANT
    // should be a tenant that has not synced meetings yet).
    const token = (await target.tokenFor(`ws-${Date.now().toString(36)}`)) ?? target.token;
    const tenant = { api: target.api, token };
    const client = await connect(target.ws, token);
    try {
      client.send({ action: "subscribe", topic: "openf1/meetings" });
      await client.waitFor((m) => m.type === "subscribed" && m.topic === "openf1/meetings");

      const job = await waitForJob(tenant, (await startSync(tenant, "openf1", "meetings")).jobId);
      const update = await client.waitFor((m) => m.type === "update" && m.topic === "openf1/meetings");

      expect(job.status).toBe("succeeded");
      expect(update).toMatchObject({ type: "update", topic: "openf1/meetings" });
    } finally {
      await client.close();
    }
  });

  it("answers ping with pong", async () => {
    const client = await connect(target.ws, target.token);
    try {
      client.send({ action: "ping" });

      await expect(client.waitFor((m) => m.type === "pong")).resolves.toMatchObject({ type: "pong" });
    } finally {
      await client.close();
    }
  });

  it("refuses a connection without a token", async () => {
    const refused = await connect(target.ws).then(
      async (client) => {
        await client.close();
        return undefined;
      },
      (error: unknown) => error,
    );

    expect(refused).toBeInstanceOf(WsRefusedError);
    expect((refused as WsRefusedError).status).toBe(401);
  });

  it("refuses a connection with an invalid token", async () => {
    const refused = await connect(target.ws, "not-a-jwt").then(
      async (client) => {
        await client.close();
        return undefined;
      },
      (error: unknown) => error,
    );

    expect(refused).toBeInstanceOf(WsRefusedError);
  });
});
