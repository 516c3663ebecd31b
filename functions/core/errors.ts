/**
 * One typed error per failure kind. Handlers map them to HTTP statuses or queue outcomes in one
 * place each; everything else is a bug (5xx, or a retried message).
 */
export abstract class PacerError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The caller sent something malformed (HTTP 400; a queue message that can never be processed). */
export class ValidationError extends PacerError {
  readonly code = "VALIDATION_ERROR";
}

/** Unknown provider or sync type (HTTP 400 / 404). */
export class UnknownSyncError extends PacerError {
  readonly code = "UNKNOWN_SYNC";
}

export class NotFoundError extends PacerError {
  readonly code = "NOT_FOUND";
}

export class UnauthorizedError extends PacerError {
  readonly code = "UNAUTHORIZED";
}

export class ForbiddenError extends PacerError {
  readonly code = "FORBIDDEN";
}

/** No permit now; `retryAfterMs` says when one frees up. Not a failure: the job waits. */
export class PermitUnavailableError extends PacerError {
  readonly code = "PERMIT_UNAVAILABLE";
  constructor(readonly retryAfterMs: number) {
    super(`no permit free for ${retryAfterMs} ms`);
  }
}

/** The provider answered 429 (or its headers said the budget is spent). Not a failure: the job waits. */
export class ProviderRateLimitedError extends PacerError {
  readonly code = "PROVIDER_RATE_LIMITED";
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
}

/** The provider refused in a way a retry will not fix (auth, bad request). */
export class ProviderRejectedError extends PacerError {
  readonly code = "PROVIDER_REJECTED";
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
}

/**
 * The provider redirected somewhere Pacer will not follow: another host (not on the allow-list),
 * or more hops than allowed. A retry will not fix it.
 */
export class ProviderRedirectError extends PacerError {
  readonly code = "PROVIDER_REDIRECT";
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
}

/**
 * The invocation has too little time left to make (and wait out) a provider call: the job goes
 * back to its queue to continue in a fresh invocation. Not a failure, not an attempt.
 */
export class InvocationEndingError extends PacerError {
  readonly code = "INVOCATION_ENDING";
}
