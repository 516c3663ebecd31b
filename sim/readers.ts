import WebSocket from "ws";
import { resourceOf } from "#core/api/routes.ts";
import { subjectKey } from "./job-log.ts";
import type { Meter } from "./meter.ts";
import type { ManualRecord, ReadRecord } from "./read-age.ts";
import type { ControlAction, ManualAction, ReadAction } from "./workloads/types.ts";

/** How long a reader's WebSocket may take to open and subscribe (real time). */
const WS_OPEN_TIMEOUT_MS = 5_000;
/** Tokens live 12 h; a fresh one this often keeps every request's valid. */
const TOKEN_EVERY_MS = 6 * 3_600_000;

export interface ReaderDeps {
  readonly api: string;
  readonly ws: string;
  readonly issueToken: () => Promise<string>;
  readonly meter: Meter;
  /** Workload connection key → connection id. */
  readonly connectionIds: Readonly<Record<string, string>>;
  readonly fakeUrls: Readonly<Record<string, string>>;
}

interface OpenPage {
  readonly socket: WebSocket;
  readonly openedAt: number;
  readonly leaveAt: number;
}

/**
 * The workload's people: readers opening pages (a `GET /data/...` read, then a WebSocket on the
 * page until they leave), manual triggers (`POST /sync`), and changes to the fakes' world. Every
 * REST request and WebSocket message is metered as API Gateway would bill it.
 */
export class Readers {
  readonly reads: ReadRecord[] = [];
  readonly manual: ManualRecord[] = [];
  /** Whether the data route (contract 9) exists yet; without it reads are dated from the job log alone. */
  readonly dataRoute = resourceOf("/data/zwiftracing/riders") !== undefined;
  readonly #pages: OpenPage[] = [];
  #token: { value: string; at: number } | undefined;
  #problems: string[] = [];

  constructor(private readonly deps: ReaderDeps) {}

  /** What went wrong with the workload's own requests (a refused trigger, a socket that never opened). */
  get problems(): readonly string[] {
    return this.#problems;
  }

  /** The earliest moment a reader leaves a page. */
  nextLeave(): number | undefined {
    let next: number | undefined;
    for (const page of this.#pages) if (next === undefined || page.leaveAt < next) next = page.leaveAt;
    return next;
  }

  /** Closes the pages whose readers have left by `nowMs` (all of them with `Infinity`). */
  leave(nowMs: number): void {
    for (const page of [...this.#pages]) {
      if (page.leaveAt > nowMs) continue;
      this.#pages.splice(this.#pages.indexOf(page), 1);
      this.deps.meter.addWsConnectionMs(Math.min(page.leaveAt, Date.now()) - page.openedAt);
      page.socket.close();
    }
  }

  async read(action: ReadAction): Promise<void> {
    const connectionId = this.#connection(action.subject.connection);
    const subject = subjectKey(connectionId, action.subject.syncType, action.subject.params);
    const record: ReadRecord = {
      at: action.at,
      dataKind: action.dataKind,
      subject,
      targetMs: action.targetMs,
      availableSince: action.availableSince,
      ...(action.settledAt !== undefined && { settledAt: action.settledAt }),
    };
    this.deps.meter.addRestRequest();
    let refreshJobId: string | undefined;
    const path = this.#pathOf(action);
    if (path !== undefined) {
      const answer = await this.#call("GET", path);
      // GET /data names its refresh in `freshness`; a race page lists one per feed it refreshed.
      const body = answer.body as
        | {
            freshness?: { refresh?: { jobId?: string } | null };
            refresh?: { syncType?: string; jobId?: string }[];
          }
        | undefined;
      refreshJobId =
        body?.freshness?.refresh?.jobId ??
        body?.refresh?.find((r) => r.syncType === action.subject.syncType)?.jobId ??
        undefined;
      if (answer.status !== 200) this.#problem(`GET ${path} answered ${answer.status}`);
    }
    this.reads.push(refreshJobId === undefined ? record : { ...record, refreshJobId });
    if (action.ws) await this.#openPage(action.ws.topic, action.at + action.ws.dwellMs);
  }

  async trigger(action: ManualAction): Promise<void> {
    const answer = await this.#call("POST", "/sync", {
      provider: action.provider,
      syncType: action.subject.syncType,
      connectionId: this.#connection(action.subject.connection),
      params: action.subject.params,
    });
    this.deps.meter.addRestRequest();
    const jobId = (answer.body as { jobId?: string } | undefined)?.jobId;
    if (answer.status !== 202 || jobId === undefined)
      this.#problem(`POST /sync ${action.subject.syncType} answered ${answer.status}`);
    this.manual.push({ at: action.at, jobId });
  }

  /** A change to the fake's world through its test-only route (not an API Gateway request). */
  async control(action: ControlAction): Promise<void> {
    const base = this.deps.fakeUrls[action.fake];
    if (!base) throw new Error(`no fake ${action.fake} running for the workload`);
    const response = await fetch(`${base}${action.path}`, {
      method: action.method,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(action.body),
    });
    await response.arrayBuffer();
    if (!response.ok)
      this.#problem(`${action.method} ${action.fake}${action.path} answered ${response.status}`);
  }

  /** What the workload's setup told the reads (a race's event id). */
  context: Readonly<Record<string, string>> = {};

  /** The route the page reads; undefined while the data route is missing (the read is not made). */
  #pathOf(action: ReadAction): string | undefined {
    const read = action.read;
    if ("path" in read) return read.path(this.deps.connectionIds, this.context);
    if (!this.dataRoute) return undefined;
    const query = new URLSearchParams(
      Object.entries(read.query).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    return `/data/${action.provider}/${read.entityType}${query.size > 0 ? `?${query}` : ""}`;
  }

  /** Any API route as the workload's tenant (the workload's setup): a REST request like any other. */
  async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    this.deps.meter.addRestRequest();
    return this.#call(method, path, body);
  }

  async #openPage(topic: string, leaveAt: number): Promise<void> {
    const token = await this.#fresh();
    const socket = new WebSocket(`${this.deps.ws}?token=${encodeURIComponent(token)}`);
    const { meter } = this.deps;
    socket.on("message", (data: Buffer) => meter.addWsMessage(data.length));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("timed out")), WS_OPEN_TIMEOUT_MS);
        socket.once("error", reject);
        socket.once("open", () => {
          const subscribe = JSON.stringify({ action: "subscribe", topic });
          meter.addWsMessage(Buffer.byteLength(subscribe));
          socket.send(subscribe);
        });
        // The first answer is the subscription's ack (or its refusal): the page is set up.
        socket.once("message", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.#pages.push({ socket, openedAt: Date.now(), leaveAt });
    } catch (error) {
      socket.terminate();
      this.#problem(`a reader's WebSocket on ${topic} did not open: ${(error as Error).message}`);
    }
  }

  async #call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${this.deps.api}${path}`, {
      method,
      headers: { authorization: `Bearer ${await this.#fresh()}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: await response.json().catch(() => undefined) };
  }

  async #fresh(): Promise<string> {
    if (this.#token === undefined || Date.now() - this.#token.at > TOKEN_EVERY_MS)
      this.#token = { value: await this.deps.issueToken(), at: Date.now() };
    return this.#token.value;
  }

  #connection(key: string): string {
    const id = this.deps.connectionIds[key];
    if (!id) throw new Error(`the workload names no connection ${key}`);
    return id;
  }

  #problem(text: string): void {
    if (this.#problems.length < 20) this.#problems.push(text);
  }
}
