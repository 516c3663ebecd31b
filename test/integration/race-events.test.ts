/**
 * `/events` end to end: a tenant maps its registration connections' events to a Pacer event and
 * its scoring connection's event, reads, changes (over the version it read) and deletes it; a
 * second tenant can neither see, change, delete nor reference any of it; every answer is what
 * the API's own OpenAPI document says.
 *
 * Skipped while the catalog has no registration provider (no race provider can be connected).
 * Connects the race providers to the local stack's fakes, so it starts its own stack and is
 * skipped against an external target (which would need the providers' real credentials).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EntityStore } from "#adapters/dynamo/entity-store.ts";
import { DynamoRaceEventStore } from "#adapters/dynamo/race-event-store.ts";
import { catalog } from "#catalog/index.ts";
import { unifyEvent } from "#core/race/unify-event.ts";
import { RACE_ENTITY, type Registrant, registrantId } from "#providers/race/shapes.ts";
import { clientConfig } from "../../local/aws/aws-config.ts";
import { call } from "./support/api-client.ts";
import { conforms, type Schema } from "./support/openapi-fuzz.ts";
import { externalTarget, startTarget, type Target } from "./support/target.ts";

const registration = catalog.providers.filter((p) => p.role === "registration").map((p) => p.id);
const scoring = catalog.providers.filter((p) => p.role === "scoring").map((p) => p.id);
const [SIGNUP, ROSTER] = registration;
const [TIMING] = scoring;
const runnable = SIGNUP !== undefined && ROSTER !== undefined && TIMING !== undefined && !externalTarget;

interface EventView {
  readonly eventId: string;
  readonly name: string;
  readonly registration: readonly { connectionId: string; provider: string; eventId: string }[];
  readonly scoring: { connectionId: string; provider: string; eventId: string } | null;
  readonly version: number;
}
interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

/** A tenant acting through the API: its token, and its connection per race provider. */
interface Tenant {
  readonly as: Pick<Target, "api" | "token">;
  readonly connections: Readonly<Record<string, string>>;
}

let target: Target;
let acme: Tenant;
let globex: Tenant;
let document: { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

/** Connects `tenantId` to the fake of each race provider, through `POST /connections`. */
async function tenant(tenantId: string): Promise<Tenant> {
  const token = await target.tokenFor(tenantId);
  if (!token) throw new Error(`no token for ${tenantId}`);
  const as = { api: target.api, token };
  const connections: Record<string, string> = {};
  for (const provider of [SIGNUP, ROSTER, TIMING] as string[]) {
    const body = { provider, ...target.local?.fakes[provider]?.connection };
    const response = await call<{ connectionId: string }>(as, "POST", "/connections", { body });
    if (response.status !== 201) throw new Error(`connecting ${provider}: ${JSON.stringify(response.body)}`);
    connections[provider] = response.body.connectionId;
  }
  return { as, connections };
}

beforeAll(async () => {
  if (!runnable) return;
  target = await startTarget({ providers: [SIGNUP, ROSTER, TIMING] as string[] });
  [acme, globex] = [await tenant("race-acme"), await tenant("race-globex")];
  const served = await call(target, "GET", "/openapi.json", { token: null });
  const validator = new Validator();
  expect(await validator.validate(served.body as Record<string, unknown>)).toEqual({ valid: true });
  document = validator.resolveRefs() as unknown as typeof document;
});

afterAll(async () => {
  await target?.stop();
});

/** Whether `body` is what the document says `method path` answers with `status`. */
function documented(method: string, path: string, status: number, body: unknown): boolean {
  const response = document.paths[path]?.[method.toLowerCase()]?.responses[String(status)] as
    | { content?: { "application/json"?: { schema?: Schema } } }
    | undefined;
  const schema = response?.content?.["application/json"]?.schema;
  if (!schema) throw new Error(`the document has no ${status} answer for ${method} ${path}`);
  return conforms(schema, body);
}

/** A `POST /events` body for `who`: both registration feeds and the scoring target. */
function eventBody(who: Tenant, over: Record<string, unknown> = {}) {
  const signup = who.connections[SIGNUP as string] as string;
  return {
    name: "Harbour 10K",
    startsAt: "2026-05-03T08:00:00+02:00",
    endsAt: "2026-05-03T14:00:00+02:00",
    registration: [
      { connectionId: signup, eventId: "500" },
      { connectionId: who.connections[ROSTER as string], eventId: "77" },
    ],
    scoring: {
      connectionId: who.connections[TIMING as string],
      eventId: "9001",
      races: { [`${signup}:500`]: "10k" },
    },
    ...over,
  };
}

async function createFor(who: Tenant, over: Record<string, unknown> = {}): Promise<EventView> {
  const created = await call<EventView>(who.as, "POST", "/events", { body: eventBody(who, over) });
  if (created.status !== 201)
    throw new Error(`POST /events answered ${created.status}: ${JSON.stringify(created.body)}`);
  return created.body;
}

describe.skipIf(!runnable)("POST /events", () => {
  it("creates the event with 201 and its URL, each feed with its provider, as the document says", async () => {
    const created = await call<EventView>(acme.as, "POST", "/events", { body: eventBody(acme) });
    const read = await call<EventView>(acme.as, "GET", `/events/${created.body.eventId}`);

    expect(created.status).toBe(201);
    expect(created.body.eventId).toMatch(/^ev-[0-9a-f]{20}$/);
    expect(created.body.registration.map((f) => f.provider)).toEqual([SIGNUP, ROSTER]);
    expect(created.body.scoring?.provider).toBe(TIMING);
    expect(documented("POST", "/events", 201, created.body), JSON.stringify(created.body)).toBe(true);
    expect(read).toEqual({ status: 200, body: created.body });
  });

  it("refuses a scoring connection as a registration feed with 400 naming the field", async () => {
    const body = eventBody(acme, {
      registration: [{ connectionId: acme.connections[TIMING as string], eventId: "1" }],
    });

    const refused = await call<ErrorBody>(acme.as, "POST", "/events", { body });

    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("VALIDATION_ERROR");
    expect(refused.body.error.message).toMatch(/^registration\[0\]\.connectionId: a connection to /);
    expect(documented("POST", "/events", 400, refused.body)).toBe(true);
  });
});

describe.skipIf(!runnable)("GET /events", () => {
  it("lists the tenant's events only", async () => {
    const mine = await createFor(acme, { name: "Mine" });
    const theirs = await createFor(globex, { name: "Theirs" });

    const listed = await call<{ events: EventView[] }>(acme.as, "GET", "/events");

    const ids = listed.body.events.map((e) => e.eventId);
    expect(listed.status).toBe(200);
    expect(ids).toContain(mine.eventId);
    expect(ids).not.toContain(theirs.eventId);
    expect(documented("GET", "/events", 200, listed.body)).toBe(true);
  });
});

describe.skipIf(!runnable)("PATCH /events/{eventId}", () => {
  it("changes the event over the version read, and refuses an older version with 409", async () => {
    const event = await createFor(acme);

    const changed = await call<EventView>(acme.as, "PATCH", `/events/${event.eventId}`, {
      body: { version: event.version, name: "Harbour 10K (new course)", scoring: null },
    });
    const stale = await call<ErrorBody>(acme.as, "PATCH", `/events/${event.eventId}`, {
      body: { version: event.version, name: "Lost" },
    });

    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ name: "Harbour 10K (new course)", scoring: null, version: 2 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe("CONFLICT");
    expect((await call<EventView>(acme.as, "GET", `/events/${event.eventId}`)).body.name).toBe(
      "Harbour 10K (new course)",
    );
  });
});

describe.skipIf(!runnable)("DELETE /events/{eventId}", () => {
  it("deletes the event: it reads as missing afterwards", async () => {
    const event = await createFor(acme);

    const deleted = await call(acme.as, "DELETE", `/events/${event.eventId}`);
    const read = await call<ErrorBody>(acme.as, "GET", `/events/${event.eventId}`);

    expect(deleted).toEqual({ status: 200, body: { eventId: event.eventId, deleted: true } });
    expect(read.status).toBe(404);
  });
});

describe.skipIf(!runnable)("an event's participants", () => {
  it("lists none before any registration was unified, and answers 404 for a participant not in the list", async () => {
    const event = await createFor(acme);

    const listed = await call(acme.as, "GET", `/events/${event.eventId}/participants`);
    const patched = await call<ErrorBody>(
      acme.as,
      "PATCH",
      `/events/${event.eventId}/participants/p-ffffffffffffffffffff`,
      { body: { fields: { bib: "42" } } },
    );

    expect(listed).toEqual({ status: 200, body: { participants: [], refresh: expect.any(Array) } });
    expect(documented("GET", "/events/{eventId}/participants", 200, listed.body)).toBe(true);
    expect(patched.status).toBe(404);
    expect(patched.body.error.code).toBe("NOT_FOUND");
  });
});

describe.skipIf(!runnable)("a read of a running event's results", () => {
  it("answers at once and names the results pull it queued for the stale results, as the document says", async () => {
    const now = Date.now();
    const event = await createFor(acme, {
      startsAt: new Date(now - 3_600_000).toISOString(),
      endsAt: new Date(now + 3 * 3_600_000).toISOString(),
    });

    const read = await call<{
      results: unknown[];
      refresh: { provider: string; syncType: string; jobId: string }[];
    }>(acme.as, "GET", `/events/${event.eventId}/results`);
    const job = await call<{ syncType: string; source: string; priority: string; connectionId: string }>(
      acme.as,
      "GET",
      `/jobs/${read.body.refresh[0]?.jobId}`,
    );

    expect(read.status).toBe(200);
    expect(read.body.results).toEqual([]);
    expect(read.body.refresh).toEqual([{ provider: TIMING, syncType: "results", jobId: expect.any(String) }]);
    expect(documented("GET", "/events/{eventId}/results", 200, read.body)).toBe(true);
    expect(job.body).toMatchObject({
      syncType: "results",
      source: "read",
      priority: "high",
      connectionId: acme.connections[TIMING as string],
    });
  });
});

/**
 * Stores registrations as the provider's sync would and unifies the event as that sync's
 * follow-up would, straight on the local stack's table: what the API is to read and change.
 */
async function registerAndUnify(tenantId: string, event: EventView, registrants: Registrant[]) {
  const local = target.local;
  if (!local) throw new Error("no local stack");
  const client = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(local.dynamoEndpoint)), {
    marshallOptions: { removeUndefinedValues: true },
  });
  try {
    const entities = new EntityStore({ tableName: local.tables.data, client, historyRetentionDays: 1 });
    await entities.upsert(
      { tenantId, provider: SIGNUP as string, jobId: "test.registrants" },
      registrants.map((r) => ({
        type: RACE_ENTITY.registrants,
        id: registrantId(r.eventId, r.registrationId),
        data: r,
      })),
      new Date(),
    );
    const events = new DynamoRaceEventStore({ tableName: local.tables.data, client });
    const record = await events.get(tenantId, event.eventId);
    if (!record) throw new Error(`no event ${event.eventId} for ${tenantId}`);
    await unifyEvent({ entities, events }, tenantId, record);
  } finally {
    client.destroy();
  }
}

describe.skipIf(!runnable)("a value set through the API", () => {
  it("owns its field until released: set by the caller's subject, then handed back to the registration", async () => {
    const event = await createFor(acme, {
      registration: [{ connectionId: acme.connections[SIGNUP as string], eventId: "500" }],
      scoring: undefined,
    });
    const ana: Registrant = {
      registrationId: "r1",
      eventId: "500",
      firstName: "Ana",
      lastName: "Ruiz",
      bib: "101",
    };
    await registerAndUnify("race-acme", event, [ana]);
    const listed = await call<{ participants: { participantId: string }[] }>(
      acme.as,
      "GET",
      `/events/${event.eventId}/participants`,
    );
    const participantId = listed.body.participants[0]?.participantId as string;
    const path = `/events/${event.eventId}/participants/${participantId}`;

    const set = await call<{ fields: Record<string, string>; origins: Record<string, unknown> }>(
      acme.as,
      "PATCH",
      path,
      {
        body: { fields: { bib: "42" } },
      },
    );
    const released = await call<{ fields: Record<string, string>; origins: Record<string, unknown> }>(
      acme.as,
      "PATCH",
      path,
      { body: { fields: { bib: null } } },
    );

    expect(listed.body.participants).toHaveLength(1);
    expect(set.status).toBe(200);
    expect(set.body.fields.bib).toBe("42");
    expect(set.body.origins.bib).toEqual({ kind: "pacer", by: "dev-race-acme", at: expect.any(String) });
    expect(documented("PATCH", "/events/{eventId}/participants/{participantId}", 200, set.body)).toBe(true);
    expect(released.status).toBe(200);
    expect(released.body.fields.bib).toBe("101");
    expect(released.body.origins.bib).toEqual({ kind: "registration", source: `${SIGNUP}:500:r1` });
  });
});

describe.skipIf(!runnable)("another tenant", () => {
  it("can neither read, change, delete nor list the participants of the event: each answers 404, nothing changes", async () => {
    const event = await createFor(acme);
    const path = `/events/${event.eventId}`;

    const answers = [
      await call<ErrorBody>(globex.as, "GET", path),
      await call<ErrorBody>(globex.as, "PATCH", path, { body: { version: 1, name: "Mine now" } }),
      await call<ErrorBody>(globex.as, "DELETE", path),
      await call<ErrorBody>(globex.as, "GET", `${path}/participants`),
      await call<ErrorBody>(globex.as, "PATCH", `${path}/participants/p-ffffffffffffffffffff`, {
        body: { fields: { bib: "1" } },
      }),
    ];

    expect(answers.map((a) => [a.status, a.body.error.code])).toEqual(Array(5).fill([404, "NOT_FOUND"]));
    expect(new Set(answers.map((a) => a.body.error.message.replace(event.eventId, "<id>")))).toEqual(
      new Set(['no event "<id>"']),
    );
    expect(await call(acme.as, "GET", path)).toEqual({ status: 200, body: event });
  });

  it("cannot reference the tenant's connections: refused exactly as a connection that does not exist", async () => {
    const acmeSignup = acme.connections[SIGNUP as string] as string;
    const missing = "c-ffffffffffffffffffff";
    const feed = (connectionId: string) => ({
      registration: [{ connectionId, eventId: "500" }],
      scoring: undefined,
    });

    const theirs = await call<ErrorBody>(globex.as, "POST", "/events", {
      body: eventBody(globex, feed(acmeSignup)),
    });
    const nobody = await call<ErrorBody>(globex.as, "POST", "/events", {
      body: eventBody(globex, feed(missing)),
    });

    expect([theirs.status, nobody.status]).toEqual([400, 400]);
    expect(theirs.body.error.message.replace(acmeSignup, "<id>")).toBe(
      nobody.body.error.message.replace(missing, "<id>"),
    );
    expect(theirs.body.error.message).toMatch(/^registration\[0\]\.connectionId: no connection /);
  });
});
