import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { APIGatewayAuthorizerWithContextResult } from "aws-lambda";
import { logger } from "#adapters/observability.ts";
import { type TokenVerifier, verifierFromEnv } from "#core/auth/verifier.ts";
import { parseEnv } from "#core/env.ts";
import { UnauthorizedError } from "#core/errors.ts";
import { FUNCTIONS } from "#core/functions.ts";

/** REST API TOKEN authorizer event (identity source: the `Authorization` header). */
export interface TokenAuthorizerEvent {
  readonly type: "TOKEN";
  readonly methodArn: string;
  readonly authorizationToken?: string;
}

/** WebSocket `$connect` REQUEST authorizer event (identity source: the `token` query parameter). */
export interface RequestAuthorizerEvent {
  readonly type: "REQUEST";
  readonly methodArn: string;
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>> | null;
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
}

export type AuthorizerEvent = TokenAuthorizerEvent | RequestAuthorizerEvent;
export type AuthorizerContext = { tenantId: string; sub: string };
export type AuthorizerResult = APIGatewayAuthorizerWithContextResult<AuthorizerContext>;

/** API Gateway answers 401 for exactly this error message; any other error becomes a 500. */
const UNAUTHORIZED = "Unauthorized";

/**
 * The authorizer for both APIs. Allows the whole API stage (not just the called method), so a
 * cached policy serves every route; the tenant travels to the integrations in `context`.
 */
export function createAuthorizer(
  verifier: TokenVerifier,
): (event: AuthorizerEvent) => Promise<AuthorizerResult> {
  return async (event: AuthorizerEvent): Promise<AuthorizerResult> => {
    const token = tokenOf(event);
    if (token === undefined) {
      logger.info("request refused", { reason: "no token", type: event.type });
      throw new Error(UNAUTHORIZED);
    }
    try {
      const { tenantId, subject } = await verifier.verify(token);
      return {
        principalId: subject,
        policyDocument: {
          Version: "2012-10-17",
          Statement: [
            { Action: "execute-api:Invoke", Effect: "Allow", Resource: stageWildcard(event.methodArn) },
          ],
        },
        context: { tenantId, sub: subject },
      };
    } catch (error) {
      if (error instanceof UnauthorizedError) {
        logger.info("request refused", { reason: error.message, type: event.type });
        throw new Error(UNAUTHORIZED);
      }
      logger.error("token verification failed", { error });
      throw error;
    }
  };
}

function tokenOf(event: AuthorizerEvent): string | undefined {
  const raw =
    event.type === "TOKEN"
      ? event.authorizationToken
      : (event.queryStringParameters?.token ?? headerValue(event.headers, "authorization"));
  const token = raw?.replace(/^Bearer\s+/i, "").trim();
  return token ? token : undefined;
}

function headerValue(
  headers: Readonly<Record<string, string | undefined>> | null | undefined,
  name: string,
): string | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/** `arn:…:apiId/stage/GET/jobs/1` → `arn:…:apiId/stage/*`. */
export function stageWildcard(methodArn: string): string {
  const [api, stage] = methodArn.split("/");
  return api && stage ? `${api}/${stage}/*` : methodArn;
}

export const handler = middy(createAuthorizer(verifierFromEnv(parseEnv(FUNCTIONS.authorizer.env)))).use(
  injectLambdaContext(logger),
);
