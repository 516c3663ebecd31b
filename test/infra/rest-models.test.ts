import { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { API_ERRORS, statusOf } from "#core/api/errors.ts";
import { apiGatewayModelSchema } from "#core/api/json-schema.ts";
import { REST_ROUTES, type RestRoute } from "#core/api/routes.ts";
import { GATEWAY_ERRORS } from "../../lib/constructs/rest-api.ts";
import { pacerApp, resourcesOf } from "./support.ts";

let template: Template;

beforeAll(() => {
  template = Template.fromStack(pacerApp({ alarmEmail: "ops@example.com" }).stateless);
}, 60_000);

/** The resource path of every API Gateway resource's logical id, from the root down. */
function resourcePaths(): Map<string, string> {
  const resources = resourcesOf(template, "AWS::ApiGateway::Resource");
  const pathOf = (id: string): string => {
    const { ParentId, PathPart } = (resources[id]?.Properties ?? {}) as {
      ParentId?: { Ref?: string };
      PathPart?: string;
    };
    const parent = ParentId?.Ref;
    return `${parent && parent in resources ? pathOf(parent) : ""}/${PathPart}`;
  };
  return new Map(Object.keys(resources).map((id) => [id, pathOf(id)]));
}

describe("REST API from the contract", () => {
  it("has request models equal to those generated from the zod schemas", () => {
    const models = Object.values(resourcesOf(template, "AWS::ApiGateway::Model")).map(
      (m) => m.Properties.Schema,
    );

    const generated = (REST_ROUTES as readonly RestRoute[]).flatMap((route) =>
      route.body ? [apiGatewayModelSchema(route.body.schema, route.body.model)] : [],
    );
    expect(generated.length).toBeGreaterThan(0);
    expect(models).toEqual(generated);
  });

  it("has a method for every route of the contract, with its auth, model and path parameters, and no other", () => {
    const paths = resourcePaths();
    const methods = Object.values(resourcesOf(template, "AWS::ApiGateway::Method")).map((m) => m.Properties);
    const byRoute = new Map(
      methods.map((m) => [`${m.HttpMethod} ${paths.get((m.ResourceId as { Ref: string }).Ref)}`, m]),
    );

    expect([...byRoute.keys()].sort()).toEqual(REST_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    for (const route of REST_ROUTES as readonly RestRoute[]) {
      const method = byRoute.get(`${route.method} ${route.path}`);
      expect(method?.AuthorizationType, route.path).toBe(route.auth.kind === "bearer" ? "CUSTOM" : "NONE");
      expect(Boolean(method?.RequestModels), route.path).toBe(route.body !== undefined);
      expect(method?.RequestParameters, route.path).toEqual(
        route.pathParams
          ? Object.fromEntries(Object.keys(route.pathParams).map((p) => [`method.request.path.${p}`, true]))
          : undefined,
      );
    }
  });

  it("answers API Gateway's own refusals with the handler's codes, at the contract's statuses", () => {
    const responses = Object.values(resourcesOf(template, "AWS::ApiGateway::GatewayResponse")).map(
      (r) =>
        r.Properties as {
          ResponseType: string;
          StatusCode?: string;
          ResponseTemplates: Record<string, string>;
        },
    );

    expect(responses).toHaveLength(GATEWAY_ERRORS.length);
    for (const response of responses) {
      const code = /^\{"error":\{"code":"([A-Z_]+)"/.exec(
        response.ResponseTemplates["application/json"] ?? "",
      )?.[1];
      const def = API_ERRORS[code as keyof typeof API_ERRORS];
      expect(def?.from, `${response.ResponseType} → ${code}`).toMatch(/^(gateway|both)$/);
      if (!response.ResponseType.startsWith("DEFAULT_")) {
        expect(response.StatusCode, response.ResponseType).toBe(
          String(statusOf(code as keyof typeof API_ERRORS)),
        );
      }
    }
    expect(
      responses.find((r) => r.ResponseType === "BAD_REQUEST_BODY")?.ResponseTemplates["application/json"],
    ).toMatch(/"code":"VALIDATION_ERROR"/);
  });
});
