import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  ProviderMalformedError,
  ProviderRateLimitedError,
  ProviderRejectedError,
  ProviderUnavailableError,
} from "#core/errors.ts";
import {
  type Call,
  describeFailure,
  errorDetail,
  readJson,
  readJsonAs,
  readRows,
  sendRequest,
} from "#providers/http.ts";
import type { ProviderFetch } from "#providers/types.ts";

const call: Call = { source: "Tides /v1/heights", now: new Date("2026-05-10T14:00:00Z") };
const height = z.object({ station: z.string(), metres: z.number() });

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const answer = (body: ConstructorParameters<typeof Response>[0], contentType?: string, status = 200) =>
  new Response(body, { status, headers: contentType === undefined ? {} : { "content-type": contentType } });

describe("readRows", () => {
  it("returns the rows of a JSON array, each parsed by the schema", async () => {
    const response = json(200, [
      { station: "BRE", metres: 4.2 },
      { station: "SMA", metres: 6.1 },
    ]);

    const rows = await readRows(response, call, height);

    expect(rows).toEqual([
      { station: "BRE", metres: 4.2 },
      { station: "SMA", metres: 6.1 },
    ]);
  });

  it("fails the whole read on one row off the schema, naming the row and field but not the value", async () => {
    const response = json(200, [
      { station: "BRE", metres: 4.2 },
      { station: "SMA", metres: "a-long-value-nobody-should-echo" },
    ]);

    const error = await readRows(response, call, height).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProviderMalformedError);
    expect((error as Error).message).toMatch(
      /^Tides \/v1\/heights answered 200 with row 1 of 2 off the documented shape: "metres": /,
    );
    expect((error as Error).message).not.toContain("a-long-value");
  });

  it("reports JSON that is not an array as malformed, saying what came instead", async () => {
    await expect(readRows(json(200, { data: [] }), call, height)).rejects.toThrow(
      new ProviderMalformedError("Tides /v1/heights answered 200 with JSON object, not an array"),
    );
    await expect(readRows(json(200, null), call, height)).rejects.toThrow(/with JSON null, not an array/);
  });

  it("turns a non-2xx answer into its typed error instead of reading it as rows", async () => {
    await expect(readRows(json(503, { detail: "maintenance" }), call, height)).rejects.toThrow(
      new ProviderUnavailableError("Tides /v1/heights answered 503: maintenance"),
    );
  });
});

describe("readJson", () => {
  it("reads JSON whatever its +json media type, and a body without a content type", async () => {
    await expect(
      readJson(answer('{"a":1}', "application/vnd.tides+json; charset=utf-8"), call),
    ).resolves.toEqual({
      a: 1,
    });
    // A byte body gets no default content type (a string one would be text/plain).
    await expect(readJson(answer(new TextEncoder().encode("[1]")), call)).resolves.toEqual([1]);
  });

  it("reports an HTML page with a 200 as malformed, quoting one short line of it", async () => {
    const page = `<html>\n<body><h1>Maintenance</h1>${"<p>back soon</p>".repeat(500)}</body></html>`;

    const error = await readJson(answer(page, "text/html; charset=utf-8"), call).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProviderMalformedError);
    const { message } = error as Error;
    expect(message).toMatch(
      /^Tides \/v1\/heights answered 200 with text\/html, not JSON: "<html> <body><h1>/,
    );
    expect(message).toMatch(/…"$/);
    expect(message.length).toBeLessThan(200);
  });

  it("tells JSON cut off before its end from a body that is not JSON at all", async () => {
    const rows = JSON.stringify([{ station: "BRE", metres: 4.2 }]);

    await expect(readJson(answer(rows.slice(0, 20), "application/json"), call)).rejects.toThrow(
      /answered 200 with JSON cut off before its end \(20 bytes\)/,
    );
    await expect(readJson(answer("<<<garbage>>>", "application/json"), call)).rejects.toThrow(
      new ProviderMalformedError(
        'Tides /v1/heights answered 200 with a body that is not valid JSON (13 bytes): "<<<garbage>>>"',
      ),
    );
  });

  it("reports an empty 200 as malformed rather than as no data", async () => {
    await expect(readJson(answer("", "application/json"), call)).rejects.toThrow(
      new ProviderMalformedError("Tides /v1/heights answered 200 with an empty body"),
    );
  });

  it("reports a body that breaks off mid-read as unavailable, so the job is retried", async () => {
    const broken = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("[{"));
        controller.error(new DOMException("The operation timed out.", "TimeoutError"));
      },
    });

    await expect(readJson(answer(broken, "application/json"), call)).rejects.toThrow(
      new ProviderUnavailableError("Tides /v1/heights: the response body could not be read (timed out)"),
    );
  });

  it("never quotes a secret body, however it is malformed", async () => {
    const cutOff = answer('{"access_token":"tok-s3cret","expires_in":', "application/json");
    const html = answer("<p>tok-s3cret</p>", "text/html");

    const errors = await Promise.all([
      readJson(cutOff, call, { secret: true }).catch((e: unknown) => e),
      readJson(html, call, { secret: true }).catch((e: unknown) => e),
    ]);

    for (const error of errors) {
      expect(error).toBeInstanceOf(ProviderMalformedError);
      expect((error as Error).message).not.toContain("s3cret");
    }
  });
});

describe("readJsonAs", () => {
  const token = z.object({ access_token: z.string().min(1), expires_in: z.number() });

  it("returns the body parsed by the schema", async () => {
    await expect(readJsonAs(json(200, { access_token: "t", expires_in: 60 }), call, token)).resolves.toEqual({
      access_token: "t",
      expires_in: 60,
    });
  });

  it("names the field off the schema, never its value", async () => {
    const response = json(200, { access_token: "", expires_in: 60, secret: "tok-s3cret" });

    const error = await readJsonAs(response, call, token, { secret: true }).catch((e: unknown) => e);

    expect(error).toEqual(
      new ProviderMalformedError('Tides /v1/heights answered 200 without a valid "access_token"'),
    );
  });

  it("turns a non-2xx answer into its typed error", async () => {
    await expect(readJsonAs(json(400, { error: "bad grant" }), call, token)).rejects.toThrow(
      expect.objectContaining({
        name: "ProviderRejectedError",
        status: 400,
        message: expect.stringContaining("bad grant"),
      }),
    );
  });
});

describe("describeFailure", () => {
  it("makes a 429 a rate-limit pause for its Retry-After, in seconds or as a date on the run's clock", async () => {
    const inSeconds = await describeFailure(json(429, {}, { "retry-after": "3" }), call);
    const asDate = await describeFailure(
      json(429, {}, { "retry-after": "Sun, 10 May 2026 14:00:05 GMT" }),
      call,
    );
    const without = await describeFailure(json(429, { error: "Rate limit exceeded" }), call);

    expect(inSeconds).toEqual(
      expect.objectContaining({ name: "ProviderRateLimitedError", retryAfterMs: 3_000 }),
    );
    expect(asDate).toEqual(expect.objectContaining({ retryAfterMs: 5_000 }));
    expect(without).toBeInstanceOf(ProviderRateLimitedError);
    expect(without).toEqual(
      expect.objectContaining({
        retryAfterMs: 1_000,
        message: "Tides /v1/heights answered 429: Rate limit exceeded",
      }),
    );
  });

  it.each([500, 502, 504])("makes %i unavailable, so the job is retried", async (status) => {
    const error = await describeFailure(answer("<h1>An error occurred</h1>", "text/html", status), call);

    expect(error).toEqual(
      new ProviderUnavailableError(`Tides /v1/heights answered ${status}: <h1>An error occurred</h1>`),
    );
  });

  it("makes any other status a rejection carrying the status", async () => {
    const error = await describeFailure(json(403, { detail: "plan does not include heights" }), call);

    expect(error).toBeInstanceOf(ProviderRejectedError);
    expect(error).toEqual(
      expect.objectContaining({
        status: 403,
        message: "Tides /v1/heights answered 403: plan does not include heights",
      }),
    );
  });
});

describe("errorDetail", () => {
  it.each([
    ["detail", { detail: "Not Found" }, "Not Found"],
    ["error", { error: "Rate limit exceeded" }, "Rate limit exceeded"],
    ["message", { message: "Invalid station" }, "Invalid station"],
    ["error.message", { error: { code: 7, message: "Quota spent" } }, "Quota spent"],
    ["a problem's title", { type: "about:blank", title: "Forbidden" }, "Forbidden"],
    ["neither: the raw body", { code: 7 }, '{"code":7}'],
  ])("reads the provider's words from %s", async (_, body, expected) => {
    await expect(errorDetail(json(400, body))).resolves.toBe(expected);
  });

  it("cuts a long body to one line of at most 120 characters", async () => {
    const detail = await errorDetail(answer(`line one\n\t${"x".repeat(500)}`, "text/plain", 500));

    expect(detail).toMatch(/^line one x+…$/);
    expect(detail.length).toBe(121);
  });
});

describe("sendRequest", () => {
  it("reports a call that got no answer as unavailable, naming it", async () => {
    const refused: ProviderFetch = () => Promise.reject(new TypeError("fetch failed"));

    const error = await sendRequest(refused, { path: "/v1/heights" }, call).catch((e: unknown) => e);

    expect(error).toEqual(new ProviderUnavailableError("Tides /v1/heights could not be reached"));
    expect((error as Error).cause).toEqual(new TypeError("fetch failed"));
  });

  it("lets Pacer's own typed errors through as they are", async () => {
    const throttled = new ProviderRateLimitedError(2_000);
    const fetch: ProviderFetch = () => Promise.reject(throttled);

    await expect(sendRequest(fetch, { path: "/v1/heights" }, call)).rejects.toBe(throttled);
  });
});
