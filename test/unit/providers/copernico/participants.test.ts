import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ProviderRateLimitedError,
  ProviderRejectedError,
  ProviderUnavailableError,
  ValidationError,
} from "#core/errors.ts";
import { copernicoModule } from "#providers/copernico/index.ts";
import type { Checkpoint } from "#providers/types.ts";
import {
  API_KEY,
  bodyOf,
  drain,
  EVENT_10K,
  failure,
  json,
  memoryLedger,
  participant,
  participants,
  RACE_UUID,
  runOf,
  storeOf,
  stubFetch,
} from "./fixtures.ts";

const accepted = () => new Response(null, { status: 204 });

describe("participants (the registration push)", () => {
  it("sends each participant with the documented fields to the race's registration endpoint", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(accepted);
    const store = storeOf([
      participant("p1"),
      participant("p2", { gender: "X", team: undefined, bib: undefined }),
    ]);

    // Act
    await drain({ syncType: "participants", fetch, store });

    // Assess
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: "POST", path: `/race-registrations/${RACE_UUID}` });
    expect(requests[0]?.host).toBeUndefined();
    expect(requests[0]?.headers?.["content-type"]).toBe("application/json");
    expect(bodyOf(requests[0])).toEqual([
      {
        id: "p1",
        name: "Inés",
        surname: "García",
        birthdate: "1988-04-12",
        dorsal: "1042",
        gender: "female",
        raceId: RACE_UUID,
        eventId: EVENT_10K,
        club: "Harbour Harriers",
      },
      // Gender X goes as "mixed", Copernico's only word that is neither male nor female.
      {
        id: "p2",
        name: "Inés",
        surname: "García",
        birthdate: "1988-04-12",
        gender: "mixed",
        raceId: RACE_UUID,
        eventId: EVENT_10K,
      },
    ]);
  });

  it("sends the key in x-api-key, or in the header the connection names", async () => {
    // Prepare
    const first = stubFetch(accepted);
    const second = stubFetch(accepted);
    const store = storeOf([participant("p1")]);

    // Act
    await drain({ syncType: "participants", fetch: first.fetch, store });
    await drain({
      syncType: "participants",
      fetch: second.fetch,
      store,
      settings: { apiKeyHeader: "X-Copernico-Token" },
    });

    // Assess
    expect(first.requests[0]?.headers?.["x-api-key"]).toBe(API_KEY);
    expect(second.requests[0]?.headers?.["x-copernico-token"]).toBe(API_KEY);
    expect(second.requests[0]?.headers?.["x-api-key"]).toBeUndefined();
  });

  it("pushes only what changed since the last push, and only this race's participants", async () => {
    // Prepare
    const ledger = memoryLedger();
    const other = participant("p9", { scoringEventId: "00000000-0000-4000-8000-000000000000" });
    const before = [participant("p1"), participant("p2"), other];
    await drain({
      syncType: "participants",
      fetch: stubFetch(accepted).fetch,
      store: storeOf(before),
      pushed: ledger,
    });
    const { fetch, requests } = stubFetch(accepted);

    // Act
    const after = [participant("p1"), participant("p2", { bib: "2001" }), participant("p3"), other];
    await drain({ syncType: "participants", fetch, store: storeOf(after), pushed: ledger });

    // Assess
    expect(requests).toHaveLength(1);
    expect(bodyOf(requests[0]).map((r) => [r.id, r.dorsal])).toEqual([
      ["p2", "2001"],
      ["p3", "1042"],
    ]);
  });

  it("makes no call when nothing changed", async () => {
    // Prepare
    const ledger = memoryLedger();
    const store = storeOf(participants(3));
    await drain({ syncType: "participants", fetch: stubFetch(accepted).fetch, store, pushed: ledger });
    const { fetch, requests } = stubFetch(accepted);

    // Act
    const pages = await drain({ syncType: "participants", fetch, store, pushed: ledger });

    // Assess
    expect(requests).toEqual([]);
    expect(pages).toEqual([{ entities: [] }]);
  });

  it("sends 500 per call, checkpointing after each batch but the last", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(() => json(201, { ok: true }));

    // Act
    const pages = await drain({ syncType: "participants", fetch, store: storeOf(participants(1_100)) });

    // Assess
    expect(requests.map((r) => bodyOf(r).length)).toEqual([500, 500, 100]);
    expect(pages.map((p) => p.checkpoint)).toEqual([{ after: "p0500" }, { after: "p1000" }, undefined]);
  });

  it("resumes after its checkpoint's participant, not sending the earlier batches again", async () => {
    // Prepare: a ledger that remembers nothing, so only the checkpoint can hold the earlier ones back.
    const { fetch, requests } = stubFetch(accepted);
    const forgetful = { changed: async () => true, remember: async () => {} };

    // Act
    await drain({
      syncType: "participants",
      fetch,
      store: storeOf(participants(1_100)),
      pushed: forgetful,
      checkpoint: { after: "p0500" },
    });

    // Assess
    const sent = requests.map((r) => bodyOf(r).map((registration) => registration.id));
    expect(sent.map((ids) => [ids[0], ids.at(-1)])).toEqual([
      ["p0501", "p1000"],
      ["p1001", "p1100"],
    ]);
  });

  it("does not remember a batch Copernico refused, so the next run sends it again", async () => {
    // Prepare
    const ledger = memoryLedger();
    const store = storeOf(participants(2));
    await failure({
      syncType: "participants",
      fetch: stubFetch(() => json(503, { message: "down" })).fetch,
      store,
      pushed: ledger,
    });
    const { fetch, requests } = stubFetch(accepted);

    // Act
    await drain({ syncType: "participants", fetch, store, pushed: ledger });

    // Assess
    expect(bodyOf(requests[0]).map((r) => r.id)).toEqual(["p0001", "p0002"]);
  });

  it("pushes every changed participant exactly once, however often the run stops and resumes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1_600 }),
        fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 4 }),
        async (count, stops) => {
          // Prepare
          const store = storeOf(participants(count));
          const ledger = memoryLedger();
          const { fetch, requests } = stubFetch(accepted);
          let checkpoint: Checkpoint | undefined;

          // Act: each leg stops after some pages; the next resumes from the last page's checkpoint.
          for (const pagesBeforeStop of [...stops, Number.POSITIVE_INFINITY]) {
            let seen = 0;
            let stopped = false;
            const run = runOf({ syncType: "participants", fetch, store, pushed: ledger, checkpoint });
            for await (const page of copernicoModule.sync(run)) {
              checkpoint = page.checkpoint;
              if (++seen >= pagesBeforeStop) {
                stopped = true;
                break;
              }
            }
            if (!stopped || checkpoint === undefined) break;
          }

          // Assess
          const pushed = requests.flatMap((r) => bodyOf(r).map((registration) => registration.id));
          expect(pushed).toEqual(participants(count).map((p) => p.id));
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe("participants' failures", () => {
  const store = storeOf([participant("p1")]);

  it("says the key was refused on 401 and 403, without the key", async () => {
    for (const status of [401, 403]) {
      // Prepare
      const { fetch } = stubFetch(() => json(status, { message: `bad key ${API_KEY}` }));

      // Act
      const error = await failure({ syncType: "participants", fetch, store });

      // Assess
      expect(error).toBeInstanceOf(ProviderRejectedError);
      expect(error.message).toMatch(/API key was refused.*apiKeyHeader/);
      expect(error.message).not.toContain(API_KEY);
    }
  });

  it("names the race Copernico does not know on 404", async () => {
    const { fetch } = stubFetch(() => new Response("Not Found", { status: 404 }));

    const error = await failure({ syncType: "participants", fetch, store });

    expect(error).toBeInstanceOf(ProviderRejectedError);
    expect(error.message).toContain(`knows no race ${RACE_UUID}`);
  });

  it("retries later on 5xx and waits out a 429", async () => {
    const down = await failure({
      syncType: "participants",
      fetch: stubFetch(() => json(502, {})).fetch,
      store,
    });
    const limited = await failure({
      syncType: "participants",
      fetch: stubFetch(() => json(429, { message: "Too Many Requests" }, { "retry-after": "7" })).fetch,
      store,
    });

    expect(down).toBeInstanceOf(ProviderUnavailableError);
    expect(limited).toBeInstanceOf(ProviderRateLimitedError);
    expect((limited as ProviderRateLimitedError).retryAfterMs).toBe(7_000);
  });

  it("refuses a race id that is not a UUID, and a connection without a key, before any call", async () => {
    const { fetch, requests } = stubFetch(accepted);

    const badId = await failure({
      syncType: "participants",
      fetch,
      store,
      params: { eventId: "harbour-run-2026" },
    });
    const noKey = await failure({ syncType: "participants", fetch, store, credentials: undefined });

    expect(badId).toBeInstanceOf(ValidationError);
    expect(badId.message).toMatch(/params\.eventId: expected a Sportmaniacs race UUID/);
    expect(noKey).toBeInstanceOf(ValidationError);
    expect(requests).toEqual([]);
  });
});
