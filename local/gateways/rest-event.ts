import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "../aws/aws-config.ts";
import type { AuthorizerContextValue } from "./authorize.ts";

/** The REST API's resources and methods, as the CDK app defines them. */
export interface RestRoute {
  readonly resource: string;
  readonly methods: readonly string[];
  /** Whether the Lambda authorizer guards it. */
  readonly authorized: boolean;
}

export const REST_ROUTES: readonly RestRoute[] = [
  { resource: "/sync", methods: ["POST"], authorized: true },
  { resource: "/jobs/{jobId}", methods: ["GET"], authorized: true },
  { resource: "/status", methods: ["GET"], authorized: true },
  { resource: "/health", methods: ["GET"], authorized: false },
];

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
  const segments = path.split("/").slice(1);
  for (const route of routes) {
    const template = route.resource.split("/").slice(1);
    if (template.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = template.every((part, i) => {
      const segment = segments[i] ?? "";
      const name = /^\{(\w+)\}$/.exec(part)?.[1];
      if (name === undefined) return part === segment;
      params[name] = segment;
      return segment !== "";
    });
    if (matches) return { route, pathParameters: Object.keys(params).length > 0 ? params : null };
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
