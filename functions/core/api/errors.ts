/**
 * Every error code the REST API answers with, and its status: the one table API Gateway's own
 * refusals (lib/constructs/rest-api.ts), the local stand-in's gateway (local/gateways/) and the
 * handler (functions/handlers/api.ts) answer from, and the OpenAPI document lists. Codes a
 * PacerError carries (functions/core/errors.ts) appear with that error's `httpStatus`; a unit test
 * holds the two together.
 */

/** Who answers a code: the gateway in front of the handler (API Gateway, or the stand-in's), the handler, or both. */
export type ApiErrorSource = "gateway" | "handler" | "both";

export interface ApiErrorDef {
  /** The status it is answered with (a catch-all keeps API Gateway's own status, see `meaning`). */
  readonly status: number;
  readonly meaning: string;
  readonly from: ApiErrorSource;
  /** Only the local stand-in answers it: refusals of its HTTP server that API Gateway makes in its own words. */
  readonly localOnly?: true;
}

export const API_ERRORS = {
  VALIDATION_ERROR: {
    status: 400,
    from: "both",
    meaning:
      "the body or a path parameter is malformed: not JSON, a missing, unknown or mistyped field, a value too long, params the sync type does not declare",
  },
  UNKNOWN_SYNC: {
    status: 400,
    from: "handler",
    meaning: "no such provider, or it has no such pull sync type",
  },
  BAD_REQUEST: {
    status: 400,
    from: "gateway",
    meaning:
      "a request the gateway cannot read (a malformed target, no Host); deployed, any other 4xx API Gateway refuses with, under its own status",
  },
  UNAUTHORIZED: {
    status: 401,
    from: "both",
    meaning:
      "no bearer token, or one that is not valid (signature, issuer, audience, lifetime, tenant claim)",
  },
  FORBIDDEN: {
    status: 403,
    from: "both",
    meaning:
      "the token does not allow the request: `tenantId` is not the token's tenant, or the web ACL refused it",
  },
  NOT_FOUND: {
    status: 404,
    from: "both",
    meaning:
      "no such route (deployed: nor a method the route lacks), or no such job, connection, event or participant for the caller's tenant",
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    from: "both",
    meaning: "the route has no such method (locally; API Gateway answers NOT_FOUND)",
  },
  CONFLICT: {
    status: 409,
    from: "handler",
    meaning:
      "the connection or event changed since it was read (its `version`: read it again), or a sync was asked for a disabled connection",
  },
  REQUEST_TIMEOUT: {
    status: 408,
    from: "gateway",
    localOnly: true,
    meaning: "the request took too long to arrive",
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    from: "both",
    meaning: "the body is larger than the route accepts",
  },
  EXPECTATION_FAILED: {
    status: 417,
    from: "gateway",
    localOnly: true,
    meaning: 'an `Expect` header other than "100-continue"',
  },
  PLAN_DOES_NOT_FIT: {
    status: 422,
    from: "handler",
    meaning:
      "the connection's schedules would plan more calls than a limit allows, with the connections sharing its budgets (its own key, or a global limit): the message names each limit, planned vs allowed per window",
  },
  THROTTLED: {
    status: 429,
    from: "gateway",
    meaning: "the stage's rate or burst limit is reached: retry later",
  },
  HEADERS_TOO_LARGE: {
    status: 431,
    from: "gateway",
    localOnly: true,
    meaning: "the request's headers are too large",
  },
  INTERNAL_ERROR: {
    status: 500,
    from: "both",
    meaning: "a bug: the details are in the log, never in the answer",
  },
  AUTHORIZER_ERROR: {
    status: 500,
    from: "gateway",
    meaning: "the authorizer failed (not a refused token: a bug or an outage)",
  },
  BAD_GATEWAY: {
    status: 502,
    from: "gateway",
    meaning:
      "the handler failed or timed out; deployed, any other 5xx API Gateway answers with, under its own status",
  },
  STARTING: {
    status: 503,
    from: "gateway",
    localOnly: true,
    meaning: "the local stack is still starting",
  },
} as const satisfies Record<string, ApiErrorDef>;

export type ApiErrorCode = keyof typeof API_ERRORS;

/** Every code, in the table's order (by status). */
export const API_ERROR_CODES = Object.keys(API_ERRORS) as ApiErrorCode[];

/** The status an answer with `code` gets. */
export function statusOf(code: ApiErrorCode): number {
  return API_ERRORS[code].status;
}

/** The REST API's error body, the same from every layer. */
export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}
