import type { IncomingMessage, ServerResponse } from "node:http";
import { NO_TIME_SCALE } from "#core/limit-time-scale.ts";
import { serveFake } from "../serve.ts";
import type { WindowLimit } from "../strict-window.ts";
import { type ApiResponse, answer, endpointOf, json, METHODS, rsuError } from "./api.ts";
import { control } from "./control.ts";
import { RaceData } from "./data.ts";
import { fakeCredentials } from "./keys.ts";
import { DEFAULT_LIMITS, KeyBudgets } from "./limits.ts";
import { answerResults, type PostedResults, ResultBook } from "./results.ts";
import { type FakeRunSignUpStats, StatsRecorder } from "./stats.ts";

export interface FakeRunSignUpOptions {
  /** The key and secret the fake accepts are derived from it (./keys.ts, fakeCredentials). */
  readonly secret: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** The fake's clock: its limit windows, and the last_modified of changes made through `/_fake`. */
  readonly now?: () => Date;
  /** The moment the data is made as of (the race's start is two days on). @default now() at start */
  readonly dataNow?: Date;
  /** @default the definition's limits (Pacer's guess: RunSignUp publishes none) */
  readonly limits?: readonly WindowLimit[];
  /** Every limit window divided by this, as Pacer's are (functions/core/limit-time-scale.ts). @default 1 */
  readonly timeScale?: number;
  /**
   * The HTTP status of error bodies (auth, not found, bad params). RunSignUp does not document it
   * and its clients decide by the body, so the fake answers 200 unless told otherwise. Error 14
   * comes with a 429 whatever this says.
   */
  readonly errorStatus?: number;
}

export interface FakeRunSignUp {
  readonly url: string;
  stats(): FakeRunSignUpStats;
  /** Every result set and the rows posted to it, as `GET /_fake/results` answers. */
  results(): PostedResults;
  stop(): Promise<void>;
}

/** RunSignUp documents no cap; a post of 250 result rows, form-encoded, is well under it. */
const MAX_BODY_BYTES = 1_024 * 1_024;

/**
 * A fake RunSignUp REST API over real HTTP, after shared/providers/runsignup.md, under `/Rest`
 * (any case): `GET /race/{id}`, `…/participants`, `…/removed-participants`, and the results
 * (./results.ts: `GET …/results/get-result-sets`, `POST …/results/new-result-set`,
 * `POST …/results/full-results` with form fields, `GET …/results/get-results`), JSON only
 * (`format=json`), authenticated by API v2 key (`rsu_api_key` + `X-RSU-API-SECRET`), one strict
 * window per key. Test-only routes, no auth: `GET /_fake/stats`, `GET /_fake/results` (every
 * result set with the rows posted to it) and ./control.ts.
 */
export async function startFakeRunSignUp(options: FakeRunSignUpOptions): Promise<FakeRunSignUp> {
  const now = options.now ?? (() => new Date());
  const data = new RaceData((options.dataNow ?? now()).getTime());
  const accepted = fakeCredentials(options.secret);
  const budgets = new KeyBudgets(options.limits ?? DEFAULT_LIMITS, options.timeScale ?? NO_TIME_SCALE);
  const errorStatus = options.errorStatus ?? 200;
  const stats = new StatsRecorder();
  const book = new ResultBook();

  async function handle(request: IncomingMessage): Promise<ApiResponse> {
    const url = new URL(request.url ?? "/", "http://fake");
    const method = request.method ?? "GET";
    if (url.pathname.startsWith("/_fake/")) {
      if (method === "GET" && url.pathname === "/_fake/stats") return json(200, stats.snapshot());
      if (method === "GET" && url.pathname === "/_fake/results") return json(200, book.posted());
      const body = method === "GET" ? "" : await readBody(request);
      const nowS = Math.floor(now().getTime() / 1_000);
      return control(method, url.pathname, body, data, nowS) ?? json(404, { message: "Not Found" });
    }

    stats.request();
    const found = endpointOf(url.pathname);
    if (found === undefined) return rsuError("unknownMethod", errorStatus);
    if (method !== METHODS[found.endpoint]) return rsuError("methodNotSupported", errorStatus);
    if (url.searchParams.get("format")?.toLowerCase() !== "json") {
      // RunSignUp answers XML without format=json; the fake serves JSON only, so it says so in XML.
      return {
        status: 200,
        contentType: "application/xml; charset=utf-8",
        body: '<?xml version="1.0"?><error><error_code>10</error_code><error_msg>This fake serves format=json only.</error_msg></error>',
      };
    }
    const key = url.searchParams.get("rsu_api_key");
    const secret = request.headers["x-rsu-api-secret"];
    if (key !== accepted.apiKey || secret !== accepted.apiSecret) {
      stats.unauthorized();
      return rsuError("keyAuthentication", errorStatus);
    }
    const admission = budgets.tryAcquire(key, now().getTime());
    stats.call(found.endpoint, admission.accepted, url.searchParams.has("modified_after_timestamp"));
    if (!admission.accepted) return rsuError("throttled", 429);
    const { endpoint, raceId } = found;
    if (endpoint === "race" || endpoint === "participants" || endpoint === "removed-participants")
      return answer(endpoint, raceId, url.searchParams, data, errorStatus);
    // RunSignUp takes a method's parameters from the query or the POST form alike.
    const params = new URLSearchParams(url.searchParams);
    if (method === "POST")
      for (const [name, value] of new URLSearchParams(await readBody(request))) params.set(name, value);
    const result = answerResults(endpoint, raceId, params, data, book, errorStatus);
    if (result.posted !== undefined) stats.resultsStored(result.posted);
    return result.response;
  }

  async function respond(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let result: ApiResponse;
    try {
      result = await handle(request);
    } catch {
      result = json(500, { error: { error_code: 4, error_msg: "Unknown error." } });
    }
    response.writeHead(result.status, {
      "content-type": result.contentType ?? "application/json; charset=utf-8",
    });
    response.end(result.body);
  }

  const served = await serveFake(respond, options);
  return { url: served.url, stats: () => stats.snapshot(), results: () => book.posted(), stop: served.stop };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error("body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
