import { type PublishedResult, publishedResultId, type ResultKind } from "#providers/race/shapes.ts";
import { runsignupModule } from "#providers/runsignup/index.ts";
import type { Checkpoint, Entity, Page, ProviderRequest, PushLedger } from "#providers/types.ts";
import { failureOf, pagesOf } from "../../../support/pages.ts";
import { json, queryOf, runOf, storedEvent, storeOf, stubFetch } from "./fixtures.ts";

/**
 * What the publish tests share: stored `published_results` as Pacer's publication writes them, a
 * push ledger in memory, and a scripted RunSignUp that keeps result sets and records every post.
 */

export const EVENT_ID = "61001";

export function published(
  registrationId: number,
  overrides: Partial<PublishedResult> = {},
  kind: ResultKind = "final",
  eventId = EVENT_ID,
): Entity {
  const data: PublishedResult = {
    eventId,
    registrationId: String(registrationId),
    kind,
    firstName: "Ana",
    lastName: "Silva",
    place: registrationId - 499_999,
    gunTimeMs: 1_300_000 + (registrationId % 1_000) * 1_000,
    chipTimeMs: 1_295_000 + (registrationId % 1_000) * 1_000,
    status: "finished",
    ...overrides,
  };
  return {
    type: "published_results",
    id: publishedResultId(kind, eventId, data.registrationId),
    data: { ...data },
  };
}

/** `count` results from registration_id 500000 on. */
export const publishedMany = (count: number, kind: ResultKind = "final") =>
  Array.from({ length: count }, (_, i) => published(500_000 + i, {}, kind));

/** A ledger that remembers what was pushed by its JSON, as Pacer's compares by content hash. */
export function memoryLedger(): PushLedger {
  const remembered = new Map<string, string>();
  return {
    changed: async (type, id, data) => remembered.get(`${type}:${id}`) !== JSON.stringify(data),
    remember: async (type, id, data) => {
      remembered.set(`${type}:${id}`, JSON.stringify(data));
    },
  };
}

interface StubSet {
  readonly individual_result_set_id: number;
  readonly individual_result_set_name: string;
  readonly public_results: string;
  readonly preliminary_results: string;
}

/** A post of full-results as the stub received it: the set, and the rows of its `request`. */
export interface Post {
  readonly setId: string | null;
  readonly rows: Record<string, unknown>[];
}

/** The form fields of a POST request. */
export const formOf = (request: ProviderRequest) => new URLSearchParams(request.body ?? "");

/** A RunSignUp that keeps result sets per event, answers new-result-set with the id, and records posts. */
export function resultsStub(options: { createAnswer?: "id" | "none" } = {}) {
  const sets = new Map<string, StubSet[]>();
  const posts: Post[] = [];
  let nextId = 7_001;
  const route = (request: ProviderRequest): Response => {
    const form = formOf(request);
    const eventId = queryOf(request).get("event_id") ?? form.get("event_id") ?? "";
    const ofEvent = sets.get(eventId) ?? [];
    if (request.path.endsWith("/get-result-sets")) return json(200, { individual_results_sets: ofEvent });
    const body = JSON.parse(form.get("request") ?? "{}") as Record<string, unknown>;
    if (request.path.endsWith("/new-result-set")) {
      const set: StubSet = {
        individual_result_set_id: nextId++,
        individual_result_set_name: String(body.individual_result_set_name),
        public_results: String(body.public_results ?? "T"),
        preliminary_results: String(body.preliminary_results ?? "F"),
      };
      sets.set(eventId, [...ofEvent, set]);
      return json(
        200,
        options.createAnswer === "none" ? {} : { individual_result_set_id: set.individual_result_set_id },
      );
    }
    posts.push({
      setId: form.get("individual_result_set_id"),
      rows: body.results as Record<string, unknown>[],
    });
    return json(200, { results: [] });
  };
  const { fetch, requests } = stubFetch(route);
  return { fetch, requests, sets, posts };
}

export interface PublishOptions {
  readonly fetch: ReturnType<typeof resultsStub>["fetch"];
  readonly results: readonly Entity[];
  readonly kind?: ResultKind;
  readonly eventId?: string;
  readonly events?: readonly Entity[];
  readonly pushed?: PushLedger;
  readonly checkpoint?: Checkpoint;
}

/** Runs the publish sync to its end over the stored events and results. */
export function runPublish(options: PublishOptions): Promise<Page[]> {
  return pagesOf(publishPages(options));
}

/** Runs the publish sync expecting it to fail, and returns the error. */
export function publishFailure(options: PublishOptions): Promise<unknown> {
  return failureOf(publishPages(options), "publish");
}

function publishPages(options: PublishOptions): AsyncIterable<Page> {
  const run = runOf({
    syncType: "publish",
    fetch: options.fetch,
    params: { eventId: options.eventId ?? EVENT_ID, kind: options.kind ?? "final" },
    store: storeOf([...(options.events ?? [storedEvent(61001), storedEvent(61002)]), ...options.results]),
    ...(options.checkpoint === undefined ? {} : { checkpoint: options.checkpoint }),
  });
  return runsignupModule.sync({ ...run, pushed: options.pushed ?? memoryLedger() });
}

/** The kinds of call a run made, in order: "get-result-sets", "new-result-set", "full-results". */
export const callsOf = (requests: readonly ProviderRequest[]) =>
  requests.map((request) => request.path.split("/").at(-1));
