import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { catalog } from "#catalog/index.ts";
import type { Catalog } from "#catalog/types.ts";
import { statusOf } from "#core/api/errors.ts";
import { openApiDocument } from "#core/api/openapi.ts";
import { REST_ROUTES, type RestRoute, routeErrors } from "#core/api/routes.ts";

interface Operation {
  security: Record<string, string[]>[];
  parameters?: { name: string; in: string; required: boolean }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: ErrorSchema }> }>;
}
interface ErrorSchema {
  properties?: { error?: { properties?: { code?: { enum?: string[] } } } };
}

/** The document with every `$ref` resolved, as the validator reads it. */
async function resolved(document: unknown): Promise<{ paths: Record<string, Record<string, Operation>> }> {
  const validator = new Validator();
  const result = await validator.validate(document as Record<string, unknown>);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return validator.resolveRefs() as { paths: Record<string, Record<string, Operation>> };
}

function documentedCodes(operation: Operation, status: string): string[] | undefined {
  return operation.responses[status]?.content?.["application/json"]?.schema.properties?.error?.properties
    ?.code?.enum;
}

describe("openApiDocument", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const validator = new Validator();

    const result = await validator.validate(openApiDocument(catalog) as unknown as Record<string, unknown>);

    expect(result).toEqual({ valid: true });
    expect(validator.version).toBe("3.1");
  });

  it("documents every route of the contract with its auth, path parameters and the codes it answers", async () => {
    const document = await resolved(openApiDocument(catalog));

    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(REST_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    for (const route of REST_ROUTES as readonly RestRoute[]) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()] as Operation;
      expect(operation.security, route.path).toEqual(route.auth.kind === "bearer" ? [{ bearer: [] }] : []);
      expect(operation.parameters?.map((p) => p.name) ?? []).toEqual([
        ...Object.keys(route.pathParams ?? {}),
        ...Object.keys(route.queryParams ?? {}),
      ]);
      for (const code of routeErrors(route)) {
        expect(documentedCodes(operation, String(statusOf(code))), `${route.path} ${code}`).toContain(code);
      }
    }
  });

  it("documents POST /sync's body per pull sync type of the catalog, each with its own params", async () => {
    const document = await resolved(openApiDocument(catalog));
    const body = z.fromJSONSchema(
      document.paths["/sync"]?.post?.requestBody?.content["application/json"]
        ?.schema as z.core.JSONSchema.JSONSchema,
    );

    expect(
      body.safeParse({ provider: "openf1", syncType: "meetings", params: { year: "2024" } }).success,
    ).toBe(true);
    expect(
      body.safeParse({ provider: "openf1", syncType: "weather", params: { session_key: "9158" } }).success,
    ).toBe(true);
    expect(
      body.safeParse({ provider: "openf1", syncType: "weather", params: { year: "2024" } }).success,
    ).toBe(false);
    expect(body.safeParse({ provider: "openf1", syncType: "laps" }).success).toBe(false);
    expect(body.safeParse({ provider: "openf2", syncType: "meetings" }).success).toBe(false);
  });

  it("follows the catalog it is given: a push sync type gets no body, a provider's pull types do", async () => {
    const [openf1] = catalog.providers;
    if (!openf1) throw new Error("no provider in the catalog");
    const meetings = openf1.syncTypes.find((s) => s.id === "meetings");
    if (!meetings) throw new Error("no meetings sync type");
    const other: Catalog = {
      providers: [
        {
          ...openf1,
          id: "acme",
          syncTypes: [
            { ...meetings, id: "orders", params: undefined },
            { ...meetings, id: "upload", direction: "push" },
          ],
        },
      ],
    };

    const document = await resolved(openApiDocument(other));
    const body = z.fromJSONSchema(
      document.paths["/sync"]?.post?.requestBody?.content["application/json"]
        ?.schema as z.core.JSONSchema.JSONSchema,
    );

    expect(body.safeParse({ provider: "acme", syncType: "orders" }).success).toBe(true);
    expect(body.safeParse({ provider: "acme", syncType: "orders", params: { year: "2024" } }).success).toBe(
      false,
    );
    expect(body.safeParse({ provider: "acme", syncType: "upload" }).success).toBe(false);
    expect(body.safeParse({ provider: "openf1", syncType: "meetings" }).success).toBe(false);
  });
});
