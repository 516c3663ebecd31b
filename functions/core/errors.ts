/**
 * One typed error per failure kind. Each carries what follows from it: its code (the same in API
 * answers, job records and WebSocket frames), the HTTP status an API request that fails with it
 * gets, and what a sync job does next. Anything that is not a PacerError is a bug (a 5xx, or a
 * retried message).
 */

/**
 * What a sync job does after the error: `wait` (no attempt spent: the job is re-queued for when it
 * can go on), `retry` (an attempt of its retry budget spent) or `fail` (a retry will not fix it).
 */
export type JobDisposition = "wait" | "retry" | "fail";

export abstract class PacerError extends Error {
  abstract readonly code: string;
  abstract readonly disposition: JobDisposition;
  /** The status of an API answer that fails with this error; absent: never the caller's fault (5xx). */
  readonly httpStatus?: number;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The caller sent something malformed (HTTP 400; a queue message that can never be processed). */
export class ValidationError extends PacerError {
  readonly code = "VALIDATION_ERROR";
  readonly disposition = "fail" as const;
  override readonly httpStatus = 400;
}

/** Unknown provider or sync type (HTTP 400 / 404). */
export class UnknownSyncError extends PacerError {
  readonly code = "UNKNOWN_SYNC";
  readonly disposition = "fail" as const;
  override readonly httpStatus = 400;
}

export class NotFoundError extends PacerError {
  readonly code = "NOT_FOUND";
  readonly disposition = "fail" as const;
  override readonly httpStatus = 404;
}

export class UnauthorizedError extends PacerError {
  readonly code = "UNAUTHORIZED";
  readonly disposition = "fail" as const;
  override readonly httpStatus = 401;
}

export class ForbiddenError extends PacerError {
  readonly code = "FORBIDDEN";
  readonly disposition = "fail" as const;
  override readonly httpStatus = 403;
}

/** No permit now; `retryAfterMs` says when one frees up. Not a failure: the job waits. */
export class PermitUnavailableError extends PacerError {
  readonly code = "PERMIT_UNAVAILABLE";
  readonly disposition = "wait" as const;
  constructor(readonly retryAfterMs: number) {
    super(`no permit free for ${retryAfterMs} ms`);
  }
}

/** The provider answered 429 (or its headers said the budget is spent). Not a failure: the job waits. */
export class ProviderRateLimitedError extends PacerError {
  readonly code = "PROVIDER_RATE_LIMITED";
  readonly disposition = "retry" as const;
  constructor(
    readonly retryAfterMs: number,
    message = `provider rate limited for ${retryAfterMs} ms`,
  ) {
    super(message);
  }
}

/** The provider failed in a way a retry may fix (5xx, timeout, network). */
export class ProviderUnavailableError extends PacerError {
  readonly code = "PROVIDER_UNAVAILABLE";
  readonly disposition = "retry" as const;
}

/** The provider refused in a way a retry will not fix (auth, bad request). */
export class ProviderRejectedError extends PacerError {
  readonly code = "PROVIDER_REJECTED";
  readonly disposition = "fail" as const;
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * The provider answered 2xx with a body Pacer cannot use (truncated, not JSON, the wrong content
 * type, rows that do not match the documented shape). A retry may fix it; it counts against the
 * job's retry budget.
 */
export class ProviderMalformedError extends PacerError {
  readonly code = "PROVIDER_MALFORMED";
  readonly disposition = "retry" as const;
}

/**
 * The provider redirected somewhere Pacer will not follow: another host (not on the allow-list),
 * or more hops than allowed. A retry will not fix it.
 */
export class ProviderRedirectError extends PacerError {
  readonly code = "PROVIDER_REDIRECT";
  readonly disposition = "fail" as const;
  constructor(
    message: string,
    readonly location: string | undefined,
  ) {
    super(message);
  }
}

/** A record is larger than Pacer can store (DynamoDB's 400 KB item limit, less room for keys). */
export class EntityTooLargeError extends PacerError {
  readonly code = "ENTITY_TOO_LARGE";
  readonly disposition = "fail" as const;
}

/**
 * The invocation has too little time left to make (and wait out) a provider call: the job goes
 * back to its queue to continue in a fresh invocation. Not a failure, not an attempt.
 */
export class InvocationEndingError extends PacerError {
  readonly code = "INVOCATION_ENDING";
  readonly disposition = "wait" as const;
}

/** The body of a request is larger than the API accepts (HTTP 413). */
export class PayloadTooLargeError extends PacerError {
  readonly code = "PAYLOAD_TOO_LARGE";
  readonly disposition = "fail" as const;
  override readonly httpStatus = 413;
}

/** The change was made from a version that is no longer current (HTTP 409): read it again, then retry. */
export class ConflictError extends PacerError {
  readonly code = "CONFLICT";
  readonly disposition = "fail" as const;
  override readonly httpStatus = 409;
}

/**
 * A provider request names no endpoint group and matches none of the catalog's templates: the
 * module calls a path its definition does not cover. Refused before it is sent (a bug to fix in
 * the definition); a retry will not fix it.
 */
export class UncataloguedEndpointError extends PacerError {
  readonly code = "UNCATALOGUED_ENDPOINT";
  readonly disposition = "fail" as const;
}

/**
 * The schedules a connection change asks for would plan more calls than a limit allows, with the
 * connections sharing its budgets (HTTP 422): the message says which limit, planned vs allowed.
 * Nothing was written.
 */
export class PlanDoesNotFitError extends PacerError {
  readonly code = "PLAN_DOES_NOT_FIT";
  readonly disposition = "fail" as const;
  override readonly httpStatus = 422;
}
