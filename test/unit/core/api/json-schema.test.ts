import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  apiGatewayModelSchema,
  DRAFT_04,
  type JsonSchema,
  keepDraft04,
  REFINEMENTS,
} from "#core/api/json-schema.ts";
import { SyncParamsShape } from "#core/sync-params.ts";
import { SyncRequestSchema } from "#core/sync-requests.ts";

/** A JSON Schema as a validator (zod 4 reads JSON Schema too). */
const validator = (schema: unknown) => z.fromJSONSchema(schema as z.core.JSONSchema.JSONSchema);

// `__proto__` is left out: zod's record drops it (the reason SyncParamsShape checks raw keys).
const paramName = fc.oneof(
  fc.constantFrom("year", "session_key", "a", "A_1", "x".repeat(64), "y".repeat(65), "_x", "1a", "a-b", ""),
  fc.string({ maxLength: 8 }).filter((name) => name !== "__proto__"),
);
const paramValue = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer({ min: 250, max: 260 }).map((n) => "v".repeat(n)),
  fc.integer(),
);
const params = fc.oneof(
  fc.dictionary(paramName, paramValue, { maxKeys: 20 }),
  fc
    .integer({ min: 15, max: 18 })
    .map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, "1"]))),
  fc.constantFrom(null, [], "year", 7),
);

describe("REFINEMENTS", () => {
  it("restates SyncParamsShape's checks exactly: both accept the same params", () => {
    const documented = validator(REFINEMENTS.get(SyncParamsShape));

    fc.assert(
      fc.property(params, (value) => {
        expect(documented.safeParse(value).success, JSON.stringify(value)).toBe(
          SyncParamsShape.safeParse(value).success,
        );
      }),
      { numRuns: 400 },
    );
  });
});

describe("apiGatewayModelSchema", () => {
  it("writes draft-04 with the model's title", () => {
    const model = apiGatewayModelSchema(SyncRequestSchema, "SyncRequest");

    expect(model).toMatchObject({ $schema: DRAFT_04, title: "SyncRequest", additionalProperties: false });
  });

  it("never refuses a body the handler's schema accepts", () => {
    const model = validator(apiGatewayModelSchema(SyncRequestSchema, "SyncRequest"));
    const text = fc.oneof(fc.constantFrom("openf1", "meetings", "acme", ""), fc.string({ maxLength: 70 }));
    const body = fc.record(
      { provider: text, syncType: text, tenantId: text, params, extra: fc.integer() },
      { requiredKeys: [] },
    );

    fc.assert(
      fc.property(body, (value) => {
        if (SyncRequestSchema.safeParse(value).success) expect(model.safeParse(value).success).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});

describe("keepDraft04", () => {
  it("drops keywords draft-04 lacks at every depth, and keeps names that only look like keywords", () => {
    const schema: Record<string, unknown> = {
      type: "object",
      propertyNames: { pattern: "^a" },
      properties: {
        const: { type: "integer", const: 1, exclusiveMinimum: 0 },
        list: { type: "array", items: { type: "string", contentEncoding: "base64" } },
      },
      anyOf: [{ required: ["const"] }, { $comment: "none" }],
    };

    expect(keepDraft04(schema as JsonSchema)).toEqual({
      type: "object",
      properties: {
        const: { type: "integer" },
        list: { type: "array", items: { type: "string" } },
      },
      anyOf: [{ required: ["const"] }, {}],
    });
  });
});
