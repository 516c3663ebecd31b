import { describe, expect, it } from "vitest";
import { evaluatePolicy } from "../../../../local/gateways/iam-policy.ts";
import { matchRoute, methodArn, REST_ROUTES, toRestEvent } from "../../../../local/gateways/rest-event.ts";

describe("matchRoute", () => {
  it("matches resource templates and keeps path parameters URL-encoded, as REST APIs pass them", () => {
    const matched = matchRoute(REST_ROUTES, "/jobs/m-1%2Fx");

    expect(matched?.route.resource).toBe("/jobs/{jobId}");
    expect(matched?.pathParameters).toEqual({ jobId: "m-1%2Fx" });
  });

  it("gives routes without parameters null path parameters", () => {
    expect(matchRoute(REST_ROUTES, "/sync")?.pathParameters).toBeNull();
  });

  it("matches no unknown path, nor an empty parameter", () => {
    expect(matchRoute(REST_ROUTES, "/nope")).toBeUndefined();
    expect(matchRoute(REST_ROUTES, "/jobs/")).toBeUndefined();
    expect(matchRoute(REST_ROUTES, "/jobs/a/b")).toBeUndefined();
  });

  it("guards every route but /health and /openapi.json with the authorizer", () => {
    expect(REST_ROUTES.filter((r) => !r.authorized).map((r) => r.resource)).toEqual([
      "/health",
      "/openapi.json",
    ]);
  });
});

describe("toRestEvent", () => {
  it("builds the REST proxy event with the authorizer's context", () => {
    const event = toRestEvent(
      {
        method: "GET",
        path: "/jobs/j1",
        resource: "/jobs/{jobId}",
        pathParameters: { jobId: "j1" },
        headers: { Host: "127.0.0.1:4100", "User-Agent": "test" },
        multiValueHeaders: { Host: ["127.0.0.1:4100"], "User-Agent": ["test"] },
        queryStringParameters: null,
        multiValueQueryStringParameters: null,
        body: null,
        sourceIp: "127.0.0.1",
        host: "127.0.0.1:4100",
        authorizer: { tenantId: "t1", sub: "dev-t1", principalId: "dev-t1" },
      },
      1_900_000_000_000,
    );

    expect(event).toMatchObject({
      resource: "/jobs/{jobId}",
      path: "/jobs/j1",
      httpMethod: "GET",
      pathParameters: { jobId: "j1" },
      body: null,
      isBase64Encoded: false,
      requestContext: {
        authorizer: { tenantId: "t1", sub: "dev-t1", principalId: "dev-t1" },
        resourcePath: "/jobs/{jobId}",
        httpMethod: "GET",
        stage: "local",
        path: "/local/jobs/j1",
        requestTimeEpoch: 1_900_000_000_000,
        identity: { sourceIp: "127.0.0.1", userAgent: "test" },
      },
    });
  });
});

describe("evaluatePolicy", () => {
  const arn = methodArn("POST", "/sync");
  const statement = (Effect: string, Resource: string) => ({
    Effect,
    Action: "execute-api:Invoke",
    Resource,
  });

  it("allows what an Allow statement's resource pattern covers", () => {
    const stage = arn.replace(/\/POST\/sync$/, "/*");

    expect(evaluatePolicy({ Statement: [statement("Allow", stage)] }, arn)).toBe("allow");
  });

  it("lets an explicit Deny win over an Allow", () => {
    const document = { Statement: [statement("Allow", "*"), statement("Deny", arn)] };

    expect(evaluatePolicy(document, arn)).toBe("deny");
  });

  it("denies when no statement covers the method", () => {
    expect(evaluatePolicy({ Statement: [statement("Allow", methodArn("GET", "/status"))] }, arn)).toBe(
      "deny",
    );
    expect(evaluatePolicy(undefined, arn)).toBe("deny");
  });
});
