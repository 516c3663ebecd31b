import { afterEach, describe, expect, it, vi } from "vitest";
import type { Entity, ProviderFetch, ProviderModule, ProviderRequest, SyncRun } from "#providers/types.ts";
import { entitiesOf, freshRunParts } from "../../../support/pages.ts";

/**
 * Each test loads the module fresh (its token cache starts empty), together with the error
 * classes of that same module graph (for `instanceof`). Its runs are for a connection with the
 * given account, and give back every entity their pages held.
 */
async function loadOpenF1(credentials?: { username: string; password: string }) {
  vi.resetModules();
  const [{ openf1Module }, errors] = await Promise.all([
    import("#providers/openf1/index.ts"),
    import("#core/errors.ts"),
  ]);
  const loaded: ProviderModule = openf1Module;
  const module = {
    plan: loaded.plan?.bind(loaded),
    sync: (run: SyncRun): Promise<Entity[]> =>
      entitiesOf(loaded.sync({ ...run, connection: { ...run.connection, credentials } })),
  };
  return { module, errors };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

type Route = (request: ProviderRequest) => Response | Promise<Response>;

/** A ProviderFetch that answers from `route` and records every request. */
function stubFetch(route: Route): { fetch: ProviderFetch; requests: ProviderRequest[] } {
  const requests: ProviderRequest[] = [];
  const fetch: ProviderFetch = async (request) => {
    requests.push(request);
    return route(request);
  };
  return { fetch, requests };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const ok = (rows: unknown[]) => json(200, rows);
const noResults = () => json(404, { detail: "No results found." });

function runOf(overrides: Partial<SyncRun> & Pick<SyncRun, "syncType" | "fetch">): SyncRun {
  return {
    tenantId: "acme",
    params: {},
    now: new Date("2026-05-10T14:00:00Z"),
    store: { get: async () => undefined, list: async () => [] },
    ...freshRunParts(),
    ...overrides,
  };
}

const meeting = (overrides: Record<string, unknown> = {}) => ({
  meeting_key: 1286,
  meeting_name: "Emilia Romagna Grand Prix",
  meeting_official_name: "FORMULA 1 EMILIA ROMAGNA GRAND PRIX 2026",
  location: "Imola",
  country_key: 13,
  country_code: "ITA",
  country_name: "Italy",
  circuit_key: 6,
  circuit_short_name: "Imola",
  circuit_type: "Permanent",
  circuit_info_url: "https://api.multiviewer.app/api/v1/circuits/6/2026",
  circuit_image: "https://media.formula1.com/imola.png",
  gmt_offset: "02:00:00",
  date_start: "2026-05-08T11:30:00+00:00",
  date_end: "2026-05-10T15:00:00+00:00",
  is_cancelled: false,
  year: 2026,
  ...overrides,
});

const session = (overrides: Record<string, unknown> = {}) => ({
  session_key: 9784,
  session_name: "Race",
  session_type: "Race",
  meeting_key: 1286,
  date_start: "2026-05-10T13:00:00+00:00",
  date_end: "2026-05-10T15:00:00+00:00",
  gmt_offset: "02:00:00",
  location: "Imola",
  country_key: 13,
  country_code: "ITA",
  country_name: "Italy",
  circuit_key: 6,
  circuit_short_name: "Imola",
  is_cancelled: false,
  year: 2026,
  ...overrides,
});

const weatherRow = (date: string) => ({
  meeting_key: 1286,
  session_key: 9784,
  date,
  air_temperature: 21.4,
  track_temperature: 36.2,
  humidity: 58,
  pressure: 1012.3,
  rainfall: 0,
  wind_direction: 154,
  wind_speed: 1.1,
});

const raceControlRow = (overrides: Record<string, unknown> = {}) => ({
  meeting_key: 1286,
  session_key: 9784,
  date: "2026-05-10T13:15:05.000000+00:00",
  category: "Flag",
  flag: "BLACK AND WHITE",
  scope: "Driver",
  sector: null,
  driver_number: 1,
  lap_number: 10,
  qualifying_phase: null,
  message: "BLACK AND WHITE FLAG FOR CAR 1 (VER) - TRACK LIMITS",
  ...overrides,
});

const ids = (entities: Entity[], type: string) => entities.filter((e) => e.type === type).map((e) => e.id);

describe("openf1Module.sync meetings", () => {
  it("asks for the run's UTC year and maps meetings and their circuits", async () => {
    // Prepare: 04:30 UTC on 1 January is still New Year's Eve in the Americas.
    const { module } = await loadOpenF1();
    const { fetch, requests } = stubFetch(() => ok([meeting()]));

    // Act
    const entities = await module.sync(
      runOf({ syncType: "meetings", fetch, now: new Date("2026-01-01T04:30:00Z") }),
    );

    // Assess
    expect(requests).toEqual([
      expect.objectContaining({ path: "/v1/meetings", query: "year=2026", method: "GET" }),
    ]);
    expect(entities).toContainEqual({ type: "meetings", id: "1286", data: meeting() });
    expect(entities).toContainEqual({
      type: "circuits",
      id: "6",
      data: {
        circuit_key: 6,
        circuit_short_name: "Imola",
        circuit_type: "Permanent",
        circuit_info_url: "https://api.multiviewer.app/api/v1/circuits/6/2026",
        circuit_image: "https://media.formula1.com/imola.png",
        location: "Imola",
        country_key: 13,
        country_code: "ITA",
        country_name: "Italy",
      },
    });
  });

  it("stores each circuit once and leaves out circuit fields older rows lack", async () => {
    const { module } = await loadOpenF1();
    const older = meeting({ meeting_key: 1140, circuit_type: undefined, circuit_image: undefined });
    const { fetch } = stubFetch(() =>
      ok([
        older,
        meeting({ meeting_key: 1141, circuit_key: 6 }),
        meeting({ meeting_key: 1142, circuit_key: 39 }),
      ]),
    );

    const entities = await module.sync(runOf({ syncType: "meetings", fetch, params: { year: "2023" } }));

    expect(ids(entities, "meetings")).toEqual(["1140", "1141", "1142"]);
    expect(ids(entities, "circuits")).toEqual(["6", "39"]);
    const imola = entities.find((e) => e.type === "circuits" && e.id === "6");
    expect(Object.keys(imola?.data ?? {})).not.toContain("circuit_type");
    expect(Object.keys(imola?.data ?? {})).not.toContain("circuit_image");
  });

  it("honours params.year and rejects a malformed one, by the definition's schema, before calling OpenF1", async () => {
    const { module, errors } = await loadOpenF1();
    const { fetch, requests } = stubFetch(() => ok([]));

    await module.sync(runOf({ syncType: "meetings", fetch, params: { year: "2024" } }));
    await expect(
      module.sync(runOf({ syncType: "meetings", fetch, params: { year: "24; drop" } })),
    ).rejects.toThrow(new errors.ValidationError('params.year: expected 4 digits, e.g. "2024"'));

    expect(requests.map((r) => r.query)).toEqual(["year=2024"]);
  });

  it("fails the whole sync, naming the field, when a row does not match the documented shape", async () => {
    const { module, errors } = await loadOpenF1();
    const { fetch } = stubFetch(() => ok([meeting(), meeting({ meeting_key: 1287, circuit_key: "six" })]));

    const failure = module.sync(runOf({ syncType: "meetings", fetch }));

    await expect(failure).rejects.toThrow(errors.ProviderMalformedError);
    await expect(failure).rejects.toThrow(/\/v1\/meetings answered 200 with row 1 .*"circuit_key"/);
  });

  it("keeps fields OpenF1 adds later in the stored row", async () => {
    const { module } = await loadOpenF1();
    const { fetch } = stubFetch(() => ok([meeting({ country_flag: "https://flags/ita.svg", new_field: 7 })]));

    const entities = await module.sync(runOf({ syncType: "meetings", fetch }));

    expect(entities[0]?.data).toMatchObject({ country_flag: "https://flags/ita.svg", new_field: 7 });
  });
});

describe("openf1Module.sync sessions, weather and race_control", () => {
  it("maps sessions by session_key", async () => {
    const { module } = await loadOpenF1();
    const { fetch, requests } = stubFetch(() =>
      ok([session(), session({ session_key: 9783, session_name: "Qualifying" })]),
    );

    const entities = await module.sync(runOf({ syncType: "sessions", fetch }));

    expect(requests[0]).toMatchObject({ path: "/v1/sessions", query: "year=2026" });
    expect(entities.map((e) => [e.type, e.id])).toEqual([
      ["sessions", "9784"],
      ["sessions", "9783"],
    ]);
  });

  it("maps weather of the given session, one entity per reading", async () => {
    const { module } = await loadOpenF1();
    const { fetch, requests } = stubFetch(() =>
      ok([weatherRow("2026-05-10T13:01:19.496000+00:00"), weatherRow("2026-05-10T13:02:19.496000+00:00")]),
    );

    const entities = await module.sync(
      runOf({ syncType: "weather", fetch, params: { session_key: "9784" } }),
    );

    expect(requests[0]).toMatchObject({ path: "/v1/weather", query: "session_key=9784" });
    expect(ids(entities, "weather")).toEqual([
      "9784-2026-05-10T13:01:19.496000+00:00",
      "9784-2026-05-10T13:02:19.496000+00:00",
    ]);
  });

  it("gives a race control message the same id on every run, and different messages different ids", async () => {
    const { module } = await loadOpenF1();
    const sameMessageLater = raceControlRow({ lap_number: 11 });
    const otherDriver = raceControlRow({
      driver_number: 44,
      message: "BLACK AND WHITE FLAG FOR CAR 44 (HAM) - TRACK LIMITS",
    });
    const undated = raceControlRow({ date: null, driver_number: null, category: null, message: null });
    const first = stubFetch(() => ok([raceControlRow(), otherDriver, undated]));
    const second = stubFetch(() => ok([undated, sameMessageLater, otherDriver]));

    const run1 = await module.sync(
      runOf({ syncType: "race_control", fetch: first.fetch, params: { session_key: "9784" } }),
    );
    const run2 = await module.sync(
      runOf({ syncType: "race_control", fetch: second.fetch, params: { session_key: "9784" } }),
    );

    expect(new Set(ids(run1, "race_control")).size).toBe(3);
    expect(ids(run2, "race_control").sort()).toEqual(ids(run1, "race_control").sort());
    expect(run1[0]?.id).toMatch(/^9784-2026-05-10T13:15:05.000000\+00:00-Flag-1-[0-9a-f]+$/);
  });

  it("requires a positive integer session_key for real-time syncs", async () => {
    const { module, errors } = await loadOpenF1();
    const { fetch, requests } = stubFetch(() => ok([]));

    await expect(module.sync(runOf({ syncType: "weather", fetch }))).rejects.toThrow(errors.ValidationError);
    await expect(
      module.sync(runOf({ syncType: "race_control", fetch, params: { session_key: "1&year=2023" } })),
    ).rejects.toThrow(errors.ValidationError);
    expect(requests).toEqual([]);
  });

  it("refuses a sync type it does not know", async () => {
    const { module, errors } = await loadOpenF1();
    const { fetch } = stubFetch(() => ok([]));

    await expect(module.sync(runOf({ syncType: "laps", fetch }))).rejects.toThrow(errors.UnknownSyncError);
  });
});

describe("openf1Module status handling", () => {
  it("reads 404 'No results found.' as an empty list", async () => {
    const { module } = await loadOpenF1();
    const { fetch } = stubFetch(noResults);

    await expect(
      module.sync(runOf({ syncType: "weather", fetch, params: { session_key: "1" } })),
    ).resolves.toEqual([]);
  });

  it("rejects any other 404, and other 4xx, with the provider's detail", async () => {
    const { module } = await loadOpenF1();
    const notFound = stubFetch(() => json(404, { detail: "Not Found" }));
    const badRequest = stubFetch(() => json(422, { detail: "Unprocessable" }));

    await expect(module.sync(runOf({ syncType: "sessions", fetch: notFound.fetch }))).rejects.toThrow(
      expect.objectContaining({
        name: "ProviderRejectedError",
        status: 404,
        message: expect.stringContaining("Not Found"),
      }),
    );
    await expect(module.sync(runOf({ syncType: "sessions", fetch: badRequest.fetch }))).rejects.toThrow(
      expect.objectContaining({ name: "ProviderRejectedError", status: 422 }),
    );
  });

  it.each([500, 502, 504])("reports %i as unavailable, so the job is retried", async (status) => {
    const { module, errors } = await loadOpenF1();
    const { fetch } = stubFetch(() => new Response("<h1>An error occurred</h1>", { status }));

    await expect(module.sync(runOf({ syncType: "sessions", fetch }))).rejects.toThrow(
      errors.ProviderUnavailableError,
    );
  });

  it("reports network failures and timeouts as unavailable", async () => {
    const { module, errors } = await loadOpenF1();
    const refused = stubFetch(() => Promise.reject(new TypeError("fetch failed")));
    const timedOut = stubFetch(() =>
      Promise.reject(new DOMException("The operation timed out.", "TimeoutError")),
    );

    await expect(module.sync(runOf({ syncType: "sessions", fetch: refused.fetch }))).rejects.toThrow(
      errors.ProviderUnavailableError,
    );
    await expect(module.sync(runOf({ syncType: "sessions", fetch: timedOut.fetch }))).rejects.toThrow(
      errors.ProviderUnavailableError,
    );
  });

  it("turns a 429 into a rate-limit pause, honouring Retry-After when present", async () => {
    const { module } = await loadOpenF1();
    const withHeader = stubFetch(() =>
      json(429, { error: "Rate limit exceeded: 3 per 1 second" }, { "retry-after": "3" }),
    );
    const without = stubFetch(() => json(429, { error: "Rate limit exceeded: 3 per 1 second" }));

    await expect(module.sync(runOf({ syncType: "sessions", fetch: withHeader.fetch }))).rejects.toThrow(
      expect.objectContaining({ name: "ProviderRateLimitedError", retryAfterMs: 3_000 }),
    );
    await expect(module.sync(runOf({ syncType: "sessions", fetch: without.fetch }))).rejects.toThrow(
      expect.objectContaining({ name: "ProviderRateLimitedError", retryAfterMs: 1_000 }),
    );
  });

  it("reads a Retry-After given as an HTTP date against the run's clock", async () => {
    const { module } = await loadOpenF1();
    const { fetch } = stubFetch(() =>
      json(429, { error: "Rate limit exceeded" }, { "retry-after": "Sun, 10 May 2026 14:00:05 GMT" }),
    );

    await expect(module.sync(runOf({ syncType: "sessions", fetch }))).rejects.toThrow(
      expect.objectContaining({ name: "ProviderRateLimitedError", retryAfterMs: 5_000 }),
    );
  });
});

/** The payload checks themselves are the shared helpers' (test/unit/providers/http.test.ts). */
describe("openf1Module payload faults", () => {
  const sessions = (body: ConstructorParameters<typeof Response>[0], contentType = "application/json") =>
    stubFetch(() => new Response(body, { status: 200, headers: { "content-type": contentType } }));

  it("reports a body that is JSON but not a list of rows as malformed", async () => {
    const { module, errors } = await loadOpenF1();
    const { fetch } = sessions(JSON.stringify({ sessions: [session()] }));

    await expect(module.sync(runOf({ syncType: "sessions", fetch }))).rejects.toThrow(
      errors.ProviderMalformedError,
    );
  });

  it("never quotes a token response, even a malformed one", async () => {
    const { module, errors } = await loadOpenF1({ username: "ada", password: "pw" });
    const { fetch } = stubFetch((request) =>
      request.path === "/token"
        ? new Response('{"access_token":"tok-s3cret","expires_in":', {
            headers: { "content-type": "application/json" },
          })
        : ok([]),
    );

    const error = await module.sync(runOf({ syncType: "sessions", fetch })).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(errors.ProviderMalformedError);
    expect((error as Error).message).toMatch(/\/token answered 200/);
    expect((error as Error).message).not.toContain("s3cret");
  });

  it("reports a token answer without an access_token as malformed", async () => {
    const { module, errors } = await loadOpenF1({ username: "ada", password: "pw" });
    const { fetch } = stubFetch(() => json(200, { token_type: "bearer", expires_in: 3600 }));

    await expect(module.sync(runOf({ syncType: "sessions", fetch }))).rejects.toThrow(
      errors.ProviderMalformedError,
    );
  });
});

describe("openf1Module auth", () => {
  const lockedOut = () =>
    json(401, {
      detail:
        "Session in progress, access is restricted to authenticated users. Sign up here: https://tally.so/r/w2yWDb",
    });

  it("without credentials, explains a live-session 401 and how to give the connection an account", async () => {
    const { module, errors } = await loadOpenF1();
    const { fetch, requests } = stubFetch(lockedOut);

    const failure = module.sync(runOf({ syncType: "sessions", fetch }));

    await expect(failure).rejects.toThrow(errors.ProviderRejectedError);
    await expect(failure).rejects.toThrow(
      /authenticated users.*PATCH \/connections\/\{id\} with credentials/s,
    );
    expect(requests.map((r) => r.path)).toEqual(["/v1/sessions"]);
    expect(requests[0]?.headers?.authorization).toBeUndefined();
  });

  it("with credentials, gets a token first, sends it on every call and reuses it across runs", async () => {
    const { module } = await loadOpenF1({ username: "ada@example.com", password: "p&ss=word" });
    const { fetch, requests } = stubFetch((request) =>
      request.path === "/token"
        ? json(200, { expires_in: "3600", access_token: "tok-1", token_type: "bearer" })
        : ok([session()]),
    );

    await module.sync(runOf({ syncType: "sessions", fetch }));
    await module.sync(runOf({ syncType: "sessions", fetch, now: new Date("2026-05-10T14:58:00Z") }));

    expect(requests.map((r) => r.path)).toEqual(["/token", "/v1/sessions", "/v1/sessions"]);
    const [token, ...calls] = requests;
    expect(token).toMatchObject({
      method: "POST",
      limited: false,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(new URLSearchParams(token?.body)).toEqual(
      new URLSearchParams({ username: "ada@example.com", password: "p&ss=word" }),
    );
    for (const call of calls) expect(call.headers?.authorization).toBe("Bearer tok-1");
  });

  it("renews the token a minute before it expires", async () => {
    const { module } = await loadOpenF1({ username: "ada", password: "pw" });
    let issued = 0;
    const { fetch, requests } = stubFetch((request) =>
      request.path === "/token"
        ? json(200, { expires_in: 3600, access_token: `tok-${++issued}`, token_type: "bearer" })
        : ok([]),
    );

    await module.sync(runOf({ syncType: "sessions", fetch, now: new Date("2026-05-10T14:00:00Z") }));
    await module.sync(runOf({ syncType: "sessions", fetch, now: new Date("2026-05-10T14:59:00Z") }));

    expect(requests.map((r) => r.path)).toEqual(["/token", "/v1/sessions", "/token", "/v1/sessions"]);
    expect(requests[3]?.headers?.authorization).toBe("Bearer tok-2");
  });

  it("on a 401 with credentials, fetches a fresh token and retries once", async () => {
    const { module } = await loadOpenF1({ username: "ada", password: "pw" });
    let issued = 0;
    const { fetch, requests } = stubFetch((request) => {
      if (request.path === "/token")
        return json(200, { expires_in: "3600", access_token: `tok-${++issued}`, token_type: "bearer" });
      return request.headers?.authorization === "Bearer tok-2" ? ok([session()]) : lockedOut();
    });

    const entities = await module.sync(runOf({ syncType: "sessions", fetch }));

    expect(ids(entities, "sessions")).toEqual(["9784"]);
    expect(requests.map((r) => r.path)).toEqual(["/token", "/v1/sessions", "/token", "/v1/sessions"]);
  });

  it("gives up after one retry when OpenF1 still refuses the fresh token", async () => {
    const { module } = await loadOpenF1({ username: "ada", password: "pw" });
    const { fetch, requests } = stubFetch((request) =>
      request.path === "/token"
        ? json(200, { expires_in: "3600", access_token: "tok", token_type: "bearer" })
        : lockedOut(),
    );

    await expect(module.sync(runOf({ syncType: "sessions", fetch }))).rejects.toThrow(
      expect.objectContaining({ name: "ProviderRejectedError", status: 401 }),
    );
    expect(requests.filter((r) => r.path === "/v1/sessions")).toHaveLength(2);
  });

  it("reports a token request that got no answer as unavailable, naming /token", async () => {
    const { module, errors } = await loadOpenF1({ username: "ada", password: "pw" });
    const { fetch, requests } = stubFetch(() => Promise.reject(new TypeError("fetch failed")));

    const failure = module.sync(runOf({ syncType: "sessions", fetch }));

    await expect(failure).rejects.toThrow(
      new errors.ProviderUnavailableError("OpenF1 /token could not be reached"),
    );
    expect(requests.map((r) => r.path)).toEqual(["/token"]);
  });

  it("says so when OpenF1 refuses the username and password", async () => {
    const { module } = await loadOpenF1({ username: "ada", password: "wrong" });
    const { fetch } = stubFetch(() => json(401, { detail: "Invalid username or password" }));

    await expect(module.sync(runOf({ syncType: "sessions", fetch }))).rejects.toThrow(
      /refused the connection.s credentials/,
    );
  });
});

describe("openf1Module.plan", () => {
  // A plan runs before any fetch, so it gets no push ledger.
  const { pushed: _pushed, ...planParts } = freshRunParts();
  const storeWith = (rows: Record<string, unknown>[]) => {
    const list = vi.fn(async (type: string) =>
      type === "sessions" ? rows.map((data) => ({ type, id: String(data.session_key), data })) : [],
    );
    return { store: { get: async () => undefined, list }, list };
  };
  const planAt = async (
    iso: string,
    rows: Record<string, unknown>[],
    params: Record<string, string> = {},
  ) => {
    const { module } = await loadOpenF1();
    return module.plan?.({
      ...planParts,
      tenantId: "acme",
      syncType: "weather",
      params,
      now: new Date(iso),
      store: storeWith(rows).store,
    });
  };
  // Race: 13:00–15:00 UTC.
  const race = session();

  it.each([
    ["five minutes before the start", "2026-05-10T12:55:00Z"],
    ["during the session", "2026-05-10T14:00:00Z"],
    ["until 30 minutes after the end", "2026-05-10T15:30:00Z"],
  ])("runs for the live session %s", async (_, now) => {
    await expect(planAt(now, [race])).resolves.toEqual({ run: true, params: { session_key: "9784" } });
  });

  it.each([
    ["more than five minutes before the start", "2026-05-10T12:54:59Z"],
    ["more than 30 minutes after the end", "2026-05-10T15:30:01Z"],
  ])("skips the run %s", async (_, now) => {
    await expect(planAt(now, [race])).resolves.toEqual({ run: false, reason: "no live session" });
  });

  it("ignores a cancelled session", async () => {
    await expect(planAt("2026-05-10T14:00:00Z", [session({ is_cancelled: true })])).resolves.toEqual({
      run: false,
      reason: "no live session",
    });
  });

  it("picks the session that started last when two windows overlap", async () => {
    const qualifying = session({
      session_key: 9783,
      date_start: "2026-05-10T11:00:00+00:00",
      date_end: "2026-05-10T12:40:00+00:00",
    });

    await expect(planAt("2026-05-10T13:05:00Z", [race, qualifying])).resolves.toEqual({
      run: true,
      params: { session_key: "9784" },
    });
  });

  it("runs for an explicitly requested session without looking for a live one", async () => {
    const { module } = await loadOpenF1();
    const { store, list } = storeWith([]);

    const plan = await module.plan?.({
      ...planParts,
      tenantId: "acme",
      syncType: "race_control",
      params: { session_key: "9140" },
      now: new Date("2023-09-17T12:00:00Z"),
      store,
    });

    expect(plan).toEqual({ run: true, params: { session_key: "9140" } });
    expect(list).not.toHaveBeenCalled();
  });

  it("always runs the schedule syncs", async () => {
    const { module } = await loadOpenF1();

    const plan = await module.plan?.({
      ...planParts,
      tenantId: "acme",
      syncType: "meetings",
      params: {},
      now: new Date("2026-01-01T00:00:00Z"),
      store: storeWith([]).store,
    });

    expect(plan).toEqual({ run: true, params: {} });
  });
});
