import type { IncomingMessage, ServerResponse } from "node:http";
import type { APIGatewayProxyResult } from "aws-lambda";
import { TENANT_ID_PATTERN, TENANT_ID_RULE } from "#core/auth/verifier.ts";
import { invoke, type LocalFunction } from "../aws/lambda.ts";
import type { LocalLog } from "../log.ts";
import { LOOPBACK, listen } from "../ports.ts";
import { authorize } from "./authorize.ts";
import type { DevAuth } from "./dev-auth.ts";
import {
  BodyTooLargeError,
  clip,
  closeServer,
  createGatewayServer,
  headerMaps,
  headerValue,
  parseRequestUrl,
  queryMaps,
  readBody,
  sendApiError,
  sendJson,
} from "./http-util.ts";
import { matchRoute, methodArn, REST_ROUTES, toRestEvent } from "./rest-event.ts";

export interface RestFunctions {
  readonly api: LocalFunction;
  readonly authorizer: LocalFunction;
}

export interface RestGateway {
  readonly url: string;
  readonly port: number;
  /** Handlers are attached after the server listens: their environment needs its URL (the JWKS). */
  attach(functions: RestFunctions): void;
  close(): Promise<void>;
}

export const JWKS_PATH = "/.well-known/jwks.json";
export const DEV_TOKEN_PATH = "/dev/token";

/**
 * API Gateway's REST API in front of the handlers: the contract's routes (core/api/routes.ts), the
 * Lambda authorizer before each one that needs a token, its error codes, the proxy event shape,
 * and the stand-in's own routes: the dev issuer's JWKS and `POST /dev/token` (local only; the
 * deployed API has neither, and the OpenAPI document lists neither).
 */
export async function startRestGateway(port: number, auth: DevAuth, log: LocalLog): Promise<RestGateway> {
  let functions: RestFunctions | undefined;
  const server = createGatewayServer((request, response) => {
    route(request, response).catch((error) => {
      log.warn(`${request.method} ${clip(request.url ?? "", 200)} failed in the gateway`, error);
      if (!response.headersSent && !request.socket.destroyed) {
        sendApiError(response, "INTERNAL_ERROR", "gateway error");
      } else response.end();
    });
  });

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = parseRequestUrl(request.url);
    const method = request.method ?? "GET";
    if (!url) return sendApiError(response, "BAD_REQUEST", "the request target is not a valid URL");
    if (url.pathname === JWKS_PATH && method === "GET") return sendJson(response, 200, auth.jwks);
    if (url.pathname === DEV_TOKEN_PATH && method === "POST") return devToken(request, response, auth);
    const matched = matchRoute(REST_ROUTES, url.pathname);
    if (!matched) {
      return sendApiError(response, "NOT_FOUND", `no route ${method} ${clip(url.pathname, 200)}`);
    }
    if (!matched.route.methods.includes(method)) {
      return sendApiError(
        response,
        "METHOD_NOT_ALLOWED",
        `${method} is not allowed on ${matched.route.resource}`,
        { allow: matched.route.methods.join(", ") },
      );
    }
    if (!functions) return sendApiError(response, "STARTING", "the local stack is still starting");

    let body: Buffer;
    try {
      body = await readBody(request);
    } catch (error) {
      if (error instanceof BodyTooLargeError)
        return sendApiError(response, "PAYLOAD_TOO_LARGE", error.message);
      // The client went away (or its chunked body broke, which clientError answers): no one to tell.
      if (request.destroyed || request.socket.destroyed) return;
      throw error;
    }
    const { headers, multiValueHeaders } = headerMaps(request);
    let authorizer: Record<string, string | number | boolean> | undefined;
    if (matched.route.authorized) {
      const token = headerValue(headers, "authorization");
      // API Gateway refuses a missing identity source without calling the authorizer.
      if (!token) return sendApiError(response, "UNAUTHORIZED", "missing Authorization header");
      const arn = methodArn(method, url.pathname);
      const outcome = await authorize(functions.authorizer, {
        type: "TOKEN",
        authorizationToken: token,
        methodArn: arn,
      });
      if (outcome.kind === "unauthorized")
        return sendApiError(response, "UNAUTHORIZED", "invalid or expired token");
      if (outcome.kind === "forbidden") {
        return sendApiError(response, "FORBIDDEN", "the token does not allow this request");
      }
      if (outcome.kind === "error") {
        log.warn("authorizer failed", outcome.error);
        return sendApiError(response, "AUTHORIZER_ERROR", "authorizer failed");
      }
      authorizer = { ...outcome.context, principalId: outcome.principalId };
    }
    const event = toRestEvent({
      method,
      path: url.pathname,
      resource: matched.route.resource,
      pathParameters: matched.pathParameters,
      headers,
      multiValueHeaders,
      ...queryMaps(url.searchParams),
      body: body.length > 0 ? body.toString("utf8") : null,
      sourceIp: request.socket.remoteAddress ?? LOOPBACK,
      host: headerValue(headers, "host") ?? LOOPBACK,
      ...(authorizer ? { authorizer } : {}),
    });
    let result: unknown;
    try {
      result = await invoke(functions.api, event);
    } catch (error) {
      log.warn(`${method} ${url.pathname}: the API handler failed`, error);
      return sendApiError(response, "BAD_GATEWAY", "the API handler failed");
    }
    writeProxyResult(response, result, log);
  }

  const bound = await listen(server, port);
  return {
    url: `http://${LOOPBACK}:${bound}`,
    port: bound,
    attach: (fns) => {
      functions = fns;
    },
    close: () => closeServer(server),
  };
}

/** Writes a Lambda proxy result; a malformed one is API Gateway's 502. */
function writeProxyResult(response: ServerResponse, result: unknown, log: LocalLog): void {
  const proxy = result as Partial<APIGatewayProxyResult> | null;
  if (!proxy || !Number.isInteger(proxy.statusCode)) {
    log.warn("the API handler returned a malformed proxy result");
    sendApiError(response, "BAD_GATEWAY", "malformed Lambda proxy response");
    return;
  }
  for (const [name, value] of Object.entries(proxy.headers ?? {})) response.setHeader(name, String(value));
  for (const [name, values] of Object.entries(proxy.multiValueHeaders ?? {})) {
    response.setHeader(name, values.map(String));
  }
  const body = proxy.body ?? "";
  response.statusCode = proxy.statusCode as number;
  response.end(proxy.isBase64Encoded ? Buffer.from(body, "base64") : body);
}

/** `POST /dev/token {"tenantId"}` → `{"token"}`: lets tests and demos act as any tenant. */
async function devToken(request: IncomingMessage, response: ServerResponse, auth: DevAuth): Promise<void> {
  let input: unknown;
  try {
    input = JSON.parse((await readBody(request, 64 * 1024)).toString("utf8"));
  } catch (error) {
    if (error instanceof BodyTooLargeError) return sendApiError(response, "PAYLOAD_TOO_LARGE", error.message);
    return sendApiError(response, "VALIDATION_ERROR", 'expected a JSON body {"tenantId":"…"}');
  }
  const tenantId = (input as { tenantId?: unknown } | null)?.tenantId;
  if (typeof tenantId !== "string" || !TENANT_ID_PATTERN.test(tenantId)) {
    return sendApiError(response, "VALIDATION_ERROR", `tenantId: ${TENANT_ID_RULE}`);
  }
  sendJson(response, 200, { token: await auth.issueToken(tenantId) });
}
