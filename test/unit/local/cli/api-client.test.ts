import { describe, expect, it } from "vitest";
import { ApiClient, ApiError } from "../../../../local/cli/api-client.ts";
import { JobSchema } from "../../../../local/cli/api-types.ts";
import { CliError } from "../../../../local/cli/errors.ts";
import type { Target } from "../../../../local/cli/target.ts";

const local: Target = { api: "http://127.0.0.1:4100", source: "local", localTenant: "default" };
const deployed: Target = { api: "https://abc.example/v1", source: "flag" };

/** A fetch that answers every request with one response, and keeps what it was asked. */
function answering(status: number, body: unknown) {
  const requests: { url: string; init: RequestInit | undefined }[] = [];
  const fetchImpl = (async (url: string, init?: RequestInit) => {
    requests.push({ url, init });
    return new Response(typeof body === "string" ? body : JSON.stringify(body), { status });
  }) as typeof fetch;
  return { fetchImpl, requests };
}

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error("expected an ApiError");
}

describe("ApiClient", () => {
  it("sends the bearer token and JSON, and checks the answer's shape", async () => {
    const { fetchImpl, requests } = answering(200, {
      jobId: "m-1",
      provider: "openf1",
      syncType: "meetings",
      status: "queued",
    });

    const job = await new ApiClient(local, "tok", { fetch: fetchImpl }).get("/jobs/m-1", JobSchema);

    expect(job).toMatchObject({ jobId: "m-1", status: "queued", attempts: 0 });
    expect(requests[0]?.url).toBe("http://127.0.0.1:4100/jobs/m-1");
    expect(requests[0]?.init?.headers).toMatchObject({ authorization: "Bearer tok" });
  });

  it("turns a 401 into where to get a token, for the kind of stack it is", async () => {
    const { fetchImpl } = answering(401, {
      error: { code: "UNAUTHORIZED", message: "invalid or expired token" },
    });

    const atLocal = await refusal(new ApiClient(local, "t", { fetch: fetchImpl }).get("/status", JobSchema));
    const atDeployed = await refusal(
      new ApiClient(deployed, "t", { fetch: fetchImpl }).get("/status", JobSchema),
    );

    expect(atLocal.message).toBe("http://127.0.0.1:4100 refused the token: invalid or expired token");
    expect(atLocal.hint).toContain("npx pacer token");
    expect(atDeployed.hint).toContain("npx pacer login");
    expect(atLocal.exitCode).toBe(1);
  });

  it("reads API Gateway's own refusals, which come as {message}", async () => {
    const { fetchImpl } = answering(401, { message: "Unauthorized" });

    const error = await refusal(new ApiClient(deployed, "t", { fetch: fetchImpl }).get("/status", JobSchema));

    expect(error.message).toBe("https://abc.example/v1 refused the token: Unauthorized");
  });

  it("makes a 400 a usage error (exit 2) that keeps the API's words", async () => {
    const { fetchImpl } = answering(400, {
      error: { code: "VALIDATION_ERROR", message: "params.year: 4 digits" },
    });

    const error = await refusal(new ApiClient(local, "t", { fetch: fetchImpl }).post("/sync", {}, JobSchema));

    expect(error.exitCode).toBe(2);
    expect(error.message).toBe("the API refused POST /sync: params.year: 4 digits");
    expect(error.apiMessage).toBe("params.year: 4 digits");
  });

  it("calls a 5xx a bug in Pacer", async () => {
    const { fetchImpl } = answering(500, { error: { code: "INTERNAL_ERROR", message: "internal error" } });

    const error = await refusal(new ApiClient(deployed, "t", { fetch: fetchImpl }).get("/status", JobSchema));

    expect(error.hint).toContain("bug in Pacer");
  });

  it("says a local stack may have stopped when it cannot be reached", async () => {
    const fetchImpl = (async () => {
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }),
      });
    }) as typeof fetch;

    const error = await new ApiClient(local, "t", { fetch: fetchImpl })
      .get("/status", JobSchema)
      .catch((e) => e);

    expect(error).toBeInstanceOf(CliError);
    expect(error.message).toBe("cannot reach http://127.0.0.1:4100 (ECONNREFUSED)");
    expect(error.hint).toContain("npm run local");
  });

  it("refuses an answer that is not the API's shape", async () => {
    const { fetchImpl } = answering(200, "<html>login</html>");

    await expect(
      new ApiClient(deployed, "t", { fetch: fetchImpl }).get("/status", JobSchema),
    ).rejects.toThrow("not JSON");
  });
});
