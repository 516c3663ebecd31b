import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { REST_ROUTES as CONTRACT_ROUTES, matchTemplate } from "#core/api/routes.ts";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "../aws/aws-config.ts";
import type { AuthorizerContextValue } from "./authorize.ts";

/** One of the REST API's resources with its methods, as the CDK app defines them. */
export interface RestRoute {
  readonly resource: string;
  readonly methods: readonly string[];
  /** Whether the Lambda authorizer guards it. */
  readonly authorized: boolean;
}

/**
 * The resources of the contract (core/api/routes.ts), which the CDK construct builds too. The
 * stand-in authorizes by resource, so every method of one resource must agree on its auth.
 */
export const REST_ROUTES: readonly RestRoute[] = resourcesOf(CONTRACT_ROUTES);

function resourcesOf(
  routes: readonly {
    readonly path: string;
    readonly method: string;
    readonly auth: { readonly kind: string };
  }[],
): RestRoute[] {
  const byResource = new Map<string, RestRoute>();
  for (const route of routes) {
    const authorized = route.auth.kind === "bearer";
    const known = byResource.get(route.path);
    if (known && known.authorized !== authorized) {
      throw new Error(`${route.path}: its methods differ in auth, which the local gateway cannot route`);
    }
    byResource.set(route.path, {
      resource: route.path,
      methods: [...(known?.methods ?? []), route.method],
      authorized,
    });
  }
  return [...byResource.values()];
}

/** Local API id and stage: they appear in ARNs and request contexts. */
export const LOCAL_API_ID = "local";
export const LOCAL_STAGE = "local";

/**
 * The route whose resource template matches `path`, with the path parameters as API Gateway's REST
 * proxy passes them (still URL-encoded).
 */
export function matchRoute(
  routes: readonly RestRoute[],
  path: string,
): { route: RestRoute; pathParameters: Record<string, string> | null } | undefined {
  for (const route of routes) {
    const params = matchTemplate(route.resource, path);
    if (params) return { route, pathParameters: Object.keys(params).length > 0 ? params : null };
  }
  return undefined;
}

/** `arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>`, what authorizers see. */
export function methodArn(method: string, path: string): string {
  return `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${LOCAL_API_ID}/${LOCAL_STAGE}/${method}${path}`;
}

export interface RestRequest {
  readonly method: string;
  readonly path: string;
  readonly resource: string;
  readonly pathParameters: Record<string, string> | null;
  readonly headers: Record<string, string>;
  readonly multiValueHeaders: Record<string, string[]>;
  readonly queryStringParameters: Record<string, string> | null;
  readonly multiValueQueryStringParameters: Record<string, string[]> | null;
  readonly body: string | null;
  readonly sourceIp: string;
  readonly host: string;
  /** The authorizer's context plus `principalId`; absent on unauthorized routes. */
  readonly authorizer?: Record<string, AuthorizerContextValue>;
}

/** The REST (v1) Lambda proxy event API Gateway sends for a request. */
export function toRestEvent(request: RestRequest, now = Date.now()): APIGatewayProxyEvent {
  const requestId = randomUUID();
  return {
    resource: request.resource,
    path: request.path,
    httpMethod: request.method,
    headers: request.headers,
    multiValueHeaders: request.multiValueHeaders,
    queryStringParameters: request.queryStringParameters,
    multiValueQueryStringParameters: request.multiValueQueryStringParameters,
    pathParameters: request.pathParameters,
    stageVariables: null,
    body: request.body,
    isBase64Encoded: false,
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: LOCAL_API_ID,
      authorizer: request.authorizer ?? null,
      domainName: request.host,
      domainPrefix: request.host.split(".")[0] ?? request.host,
      extendedRequestId: requestId,
      httpMethod: request.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp,
        user: null,
        userAgent: request.headers["User-Agent"] ?? request.headers["user-agent"] ?? null,
        userArn: null,
      },
      path: `/${LOCAL_STAGE}${request.path}`,
      protocol: "HTTP/1.1",
      requestId,
      requestTime: new Date(now).toUTCString(),
      requestTimeEpoch: now,
      resourceId: request.resource,
      resourcePath: request.resource,
      stage: LOCAL_STAGE,
    },
  };
}
