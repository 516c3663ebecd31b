import { PacerError, UnauthorizedError, ValidationError } from "#core/errors.ts";
import { parseClientMessage, type ServerMessage, type TenantMessage } from "#core/live-messages.ts";
import { EVENT_TOPIC_KINDS, isEventTopic } from "./race/types.ts";

/** A WebSocket connection, bound to the tenant its token named when it connected. */
export interface Connection {
  readonly connectionId: string;
  readonly tenantId: string;
  /** ISO 8601. */
  readonly connectedAt: string;
}

/** Connections and their topic subscriptions (adapters/connections.ts over DynamoDB). */
export interface ConnectionStore {
  save(connection: Connection): Promise<void>;
  get(connectionId: string): Promise<Connection | undefined>;
  subscribe(connectionId: string, tenantId: string, topic: string): Promise<void>;
  unsubscribe(connectionId: string, tenantId: string, topic: string): Promise<void>;
  /** Connection ids subscribed to the tenant's topic. */
  subscribers(tenantId: string, topic: string): Promise<string[]>;
  /** Forgets the connection and every subscription it held. */
  remove(connectionId: string): Promise<void>;
}

/** Sends a message down one connection (adapters/ws-publisher.ts over `@connections`). */
export interface MessagePublisher {
  /** `"gone"`: the client has disconnected; the connection can be forgotten. */
  post(connectionId: string, message: ServerMessage): Promise<"sent" | "gone">;
}

export interface LiveDeps {
  readonly connections: ConnectionStore;
  readonly publisher: MessagePublisher;
  /** Topics that can ever carry messages; a subscription to anything else is refused. Absent: any well-formed topic. */
  readonly knownTopics?: readonly string[];
  readonly now?: () => Date;
  /**
   * Called once a subscription is stored: queues a refresh of the topic's data when it is older
   * than its target (core/data-reads.ts `refreshTopic`), and names the job, which the reply then
   * carries. Absent: subscribing refreshes nothing.
   */
  readonly refreshOnSubscribe?: (
    tenantId: string,
    topic: string,
  ) => Promise<{ readonly jobId: string } | null>;
  /** A refresh that could not be queued; the subscription stands and its reply names no refresh. */
  readonly onRefreshFailed?: (topic: string, error: unknown) => void;
}

/** `failure`: what went wrong on Pacer's side (the client was told `INTERNAL_ERROR`). */
export interface ReceiveOutcome {
  readonly reply: ServerMessage["type"];
  readonly failure?: unknown;
}

export interface BroadcastResult {
  readonly sent: number;
  /** Connections found closed, and forgotten. */
  readonly gone: readonly string[];
  /** Connections a post (or forgetting a gone one) failed for; the others were still served. */
  readonly failed: readonly { readonly connectionId: string; readonly error: unknown }[];
}

/** Live updates: what the WebSocket and broadcaster handlers call. */
export interface Live {
  /** Registers a connection whose token the authorizer verified. */
  connect(connection: Connection): Promise<void>;
  disconnect(connectionId: string): Promise<void>;
  /**
   * Handles one client message and posts exactly one reply: an acknowledgement, a pong, or an
   * `error` for anything the client got wrong. A failure that is not the client's fault is
   * answered `INTERNAL_ERROR` and returned, for the caller to log; only a failed post throws.
   */
  receive(connectionId: string, body: string | undefined | null): Promise<ReceiveOutcome>;
  /**
   * Sends a change to every connection of its tenant subscribed to its topic. Failing to find
   * the subscribers throws (the change should be retried); failing to reach one subscriber does not.
   */
  broadcast(change: TenantMessage): Promise<BroadcastResult>;
}

const INTERNAL_ERROR: ServerMessage = {
  type: "error",
  error: { code: "INTERNAL_ERROR", message: "the server could not handle this message: try again" },
};

/** Posts run this many at a time, so one broadcast to many clients neither crawls nor floods. */
const POST_CONCURRENCY = 25;

/**
 * Live updates over WebSocket: connections, subscriptions, replies to client messages and
 * fan-out of data changes. The tenant always comes from the stored connection (set from the
 * verified token at connect), never from what a client sends.
 */
export function createLive(deps: LiveDeps): Live {
  const { connections, publisher } = deps;
  const now = deps.now ?? (() => new Date());
  const known = deps.knownTopics ? new Set(deps.knownTopics) : undefined;

  async function tenantOf(connectionId: string): Promise<string> {
    const connection = await connections.get(connectionId);
    if (!connection)
      throw new UnauthorizedError("this connection is not registered (it may have expired): reconnect");
    return connection.tenantId;
  }

  function checkKnown(topic: string): void {
    if (known && !known.has(topic) && !isEventTopic(topic)) {
      throw new ValidationError(
        `unknown topic "${topic}": known topics are ${[...known].sort().join(", ")}, and events/<eventId>/{${EVENT_TOPIC_KINDS.join(",")}}`,
      );
    }
  }

  /** The subscription already stands: a refresh that fails is reported, never the subscriber's error. */
  async function refreshFor(tenantId: string, topic: string): Promise<{ readonly jobId: string } | null> {
    if (deps.refreshOnSubscribe === undefined) return null;
    try {
      return await deps.refreshOnSubscribe(tenantId, topic);
    } catch (error) {
      deps.onRefreshFailed?.(topic, error);
      return null;
    }
  }

  async function handle(connectionId: string, body: string | undefined | null): Promise<ServerMessage> {
    const parsed = parseClientMessage(body);
    if (!parsed.ok) throw new ValidationError(parsed.error);
    const message = parsed.message;
    switch (message.action) {
      case "ping":
        return { type: "pong", at: now().toISOString() };
      case "subscribe": {
        checkKnown(message.topic);
        const tenantId = await tenantOf(connectionId);
        await connections.subscribe(connectionId, tenantId, message.topic);
        const refresh = await refreshFor(tenantId, message.topic);
        return { type: "subscribed", topic: message.topic, ...(refresh && { refresh }) };
      }
      case "unsubscribe": {
        checkKnown(message.topic);
        await connections.unsubscribe(connectionId, await tenantOf(connectionId), message.topic);
        return { type: "unsubscribed", topic: message.topic };
      }
    }
  }

  return {
    async connect(connection: Connection): Promise<void> {
      await connections.save(connection);
    },

    async disconnect(connectionId: string): Promise<void> {
      await connections.remove(connectionId);
    },

    async receive(connectionId: string, body: string | undefined | null): Promise<ReceiveOutcome> {
      let reply: ServerMessage;
      let failure: unknown;
      try {
        reply = await handle(connectionId, body);
      } catch (error) {
        if (error instanceof PacerError) {
          reply = { type: "error", error: { code: error.code, message: error.message } };
        } else {
          reply = INTERNAL_ERROR;
          failure = error;
        }
      }
      // Throwing after a reply would make API Gateway send the client a second frame of its own.
      await publisher.post(connectionId, reply);
      return failure === undefined ? { reply: reply.type } : { reply: reply.type, failure };
    },

    async broadcast(change: TenantMessage): Promise<BroadcastResult> {
      const ids = await connections.subscribers(change.tenantId, change.topic);
      let sent = 0;
      const gone: string[] = [];
      const failed: { connectionId: string; error: unknown }[] = [];
      for (let i = 0; i < ids.length; i += POST_CONCURRENCY) {
        await Promise.all(
          ids.slice(i, i + POST_CONCURRENCY).map(async (connectionId) => {
            try {
              if ((await publisher.post(connectionId, change.message)) === "sent") {
                sent += 1;
                return;
              }
              await connections.remove(connectionId);
              gone.push(connectionId);
            } catch (error) {
              failed.push({ connectionId, error });
            }
          }),
        );
      }
      return { sent, gone, failed };
    },
  };
}
