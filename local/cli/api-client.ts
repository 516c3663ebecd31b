import type { z } from "zod";
import { ApiErrorBodySchema, GatewayErrorBodySchema } from "./api-types.ts";
import { CliError } from "./errors.ts";
import { type Target, tokenHint } from "./target.ts";

/** An answer of the API that is not a success, with what to do about it. */
export class ApiError extends CliError {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    hint?: string,
    exitCode = 1,
    /** The API's own words (`error.message`), without what the CLI put around them. */
    readonly apiMessage = message,
  ) {
    super(message, hint, exitCode);
  }
}

export interface ApiClientOptions {
  readonly fetch?: typeof fetch;
  /** Each request's limit. @default 15000 */
  readonly timeoutMs?: number;
}

/**
 * The REST API as the CLI uses it: JSON in and out, the bearer token on every request, answers
 * checked against their schema, and every failure turned into an error that says what next.
 */
export class ApiClient {
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;

  constructor(
    readonly target: Target,
    private readonly token: string | undefined,
    options: ApiClientOptions = {},
  ) {
    this.fetch = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  async get<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>> {
    return this.parse(await this.send("GET", path), schema, `GET ${path}`);
  }

  async post<S extends z.ZodType>(path: string, body: unknown, schema: S): Promise<z.infer<S>> {
    return this.parse(await this.send("POST", path, body), schema, `POST ${path}`);
  }

  async patch<S extends z.ZodType>(path: string, body: unknown, schema: S): Promise<z.infer<S>> {
    return this.parse(await this.send("PATCH", path, body), schema, `PATCH ${path}`);
  }

  async delete<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>> {
    return this.parse(await this.send("DELETE", path), schema, `DELETE ${path}`);
  }

  /** The answer's JSON, whatever its shape, for commands that print it as it came. */
  async getJson(path: string): Promise<unknown> {
    return await this.send("GET", path);
  }

  private parse<S extends z.ZodType>(body: unknown, schema: S, what: string): z.infer<S> {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    throw new CliError(
      `${what} answered in an unexpected shape: ${parsed.error.issues[0]?.message ?? "invalid"}`,
      "is --api the Pacer REST API? (run with --json to see the answer)",
    );
  }

  private async send(method: string, path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await this.fetch(`${this.target.api}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw this.unreachable(error);
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text === "" ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (response.ok) {
      if (json === undefined && text !== "") {
        throw new CliError(
          `${method} ${path} answered ${response.status} with something that is not JSON`,
          "is --api the Pacer REST API?",
        );
      }
      return json;
    }
    throw this.refusal(response.status, json, text, `${method} ${path}`);
  }

  private unreachable(error: unknown): CliError {
    const name = (error as Error | undefined)?.name;
    if (name === "TimeoutError") {
      return new CliError(`no answer from ${this.target.api} within ${this.timeoutMs / 1000} s`);
    }
    const code =
      ((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message) || "error";
    return new CliError(
      `cannot reach ${this.target.api} (${code})`,
      this.target.localTenant !== undefined
        ? "the local stack may have stopped: start it with `npm run local`"
        : "check the URL (--api or PACER_API_URL) and that the stack is up",
    );
  }

  private refusal(status: number, json: unknown, text: string, what: string): ApiError {
    const parsed = ApiErrorBodySchema.safeParse(json);
    // API Gateway answers for itself (no authorizer verdict, unknown route) as {"message"}.
    const gateway = GatewayErrorBodySchema.safeParse(json);
    const code = parsed.success ? parsed.data.error.code : `HTTP_${status}`;
    const message = parsed.success
      ? parsed.data.error.message
      : gateway.success
        ? gateway.data.message
        : text.slice(0, 200) || "no body";
    if (status === 401) {
      return new ApiError(
        status,
        code,
        `${this.target.api} refused the token: ${message}`,
        tokenHint(this.target),
      );
    }
    if (status === 403) {
      return new ApiError(
        status,
        code,
        `forbidden: ${message}`,
        "a token acts for its own tenant only",
        1,
        message,
      );
    }
    if (status >= 500) {
      return new ApiError(
        status,
        code,
        `${what} failed on the server (${status} ${code}): ${message}`,
        "a 5xx is a bug in Pacer: the stack's logs say more",
        1,
        message,
      );
    }
    // Anything else the caller got wrong is a usage error (exit 2), but a missing thing, or a
    // state that forbids it now (409: e.g. a disabled connection), is not.
    return new ApiError(
      status,
      code,
      `the API refused ${what}: ${message}`,
      undefined,
      status === 404 || status === 409 ? 1 : 2,
      message,
    );
  }
}
