import type { Connection, ConnectionStore, MessagePublisher } from "#core/live.ts";
import type { ServerMessage } from "#core/live-messages.ts";

/** An in-memory connections table with the repository's semantics. */
export class InMemoryConnections implements ConnectionStore {
  readonly connections = new Map<string, Connection>();
  /** `<tenant>#<topic>` → connection ids. */
  private readonly topics = new Map<string, Set<string>>();
  /** Set to make `subscribers` fail, as a throttled or unreachable table would. */
  failSubscribers: Error | undefined;
  failSubscribe: Error | undefined;

  async save(connection: Connection): Promise<void> {
    this.connections.set(connection.connectionId, connection);
  }

  async get(connectionId: string): Promise<Connection | undefined> {
    return this.connections.get(connectionId);
  }

  async subscribe(connectionId: string, tenantId: string, topic: string): Promise<void> {
    if (this.failSubscribe) throw this.failSubscribe;
    const key = `${tenantId}#${topic}`;
    const ids = this.topics.get(key) ?? new Set<string>();
    ids.add(connectionId);
    this.topics.set(key, ids);
  }

  async unsubscribe(connectionId: string, tenantId: string, topic: string): Promise<void> {
    this.topics.get(`${tenantId}#${topic}`)?.delete(connectionId);
  }

  async subscribers(tenantId: string, topic: string): Promise<string[]> {
    if (this.failSubscribers) throw this.failSubscribers;
    return [...(this.topics.get(`${tenantId}#${topic}`) ?? [])];
  }

  async remove(connectionId: string): Promise<void> {
    this.connections.delete(connectionId);
    for (const ids of this.topics.values()) ids.delete(connectionId);
  }
}

/** Records what each connection was sent; connections can be marked closed or unreachable. */
export class RecordingPublisher implements MessagePublisher {
  readonly sent = new Map<string, ServerMessage[]>();
  readonly gone = new Set<string>();
  readonly failing = new Map<string, Error>();

  async post(connectionId: string, message: ServerMessage): Promise<"sent" | "gone"> {
    const failure = this.failing.get(connectionId);
    if (failure) throw failure;
    if (this.gone.has(connectionId)) return "gone";
    this.sent.set(connectionId, [...this.to(connectionId), message]);
    return "sent";
  }

  to(connectionId: string): ServerMessage[] {
    return this.sent.get(connectionId) ?? [];
  }

  last(connectionId: string): ServerMessage | undefined {
    return this.to(connectionId).at(-1);
  }
}
