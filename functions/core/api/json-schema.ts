import { z } from "zod";
import { CONNECTION_REFINEMENTS } from "../connections/schemas.ts";
import { MAX_PARAM_VALUE_LENGTH, MAX_PARAMS, PARAM_NAME_PATTERN, SyncParamsShape } from "../sync-params.ts";

/**
 * JSON Schema from the contract's zod schemas, with zod 4's own `z.toJSONSchema`: draft 2020-12
 * for the OpenAPI 3.1 document, draft-04 for API Gateway's request models.
 */

export type JsonSchema = z.core.JSONSchema.BaseSchema;

export const DRAFT_04 = "http://json-schema.org/draft-04/schema#";

/**
 * What JSON Schema cannot see of a zod schema: a refinement checks in code, so its rule is
 * restated here, from the same constants. A unit test checks each pair accepts the same inputs.
 * (SyncParamsShape checks raw keys before zod's record, which would silently drop `__proto__`.)
 */
export const REFINEMENTS: ReadonlyMap<z.core.$ZodType, JsonSchema> = new Map([
  [
    SyncParamsShape,
    {
      type: "object",
      maxProperties: MAX_PARAMS,
      patternProperties: {
        [PARAM_NAME_PATTERN.source]: { type: "string", maxLength: MAX_PARAM_VALUE_LENGTH },
      },
      additionalProperties: false,
    },
  ],
  ...CONNECTION_REFINEMENTS,
]);

function documentRefinements(ctx: { zodSchema: z.core.$ZodType; jsonSchema: JsonSchema }): void {
  const refined = REFINEMENTS.get(ctx.zodSchema);
  if (refined) Object.assign(ctx.jsonSchema, structuredClone(refined));
}

function convert(
  schema: z.core.$ZodType,
  io: "input" | "output",
  target: "draft-04" | "draft-2020-12",
): JsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, {
    io,
    target,
    unrepresentable: "throw",
    override: documentRefinements,
  });
  return json;
}

/** What a request may send (zod's input side), for the OpenAPI document. */
export function requestJsonSchema(schema: z.core.$ZodType): JsonSchema {
  return convert(schema, "input", "draft-2020-12");
}

/** What an answer carries (zod's output side), for the OpenAPI document. */
export function responseJsonSchema(schema: z.core.$ZodType): JsonSchema {
  return convert(schema, "output", "draft-2020-12");
}

/**
 * An API Gateway request model: draft-04, the only dialect API Gateway takes. zod writes draft-04
 * already; any keyword draft-04 lacks is dropped, which leaves the gateway looser than the handler,
 * never stricter (the handler parses the same zod schema again).
 */
export function apiGatewayModelSchema(schema: z.core.$ZodType, title: string): JsonSchema {
  return { $schema: DRAFT_04, title, ...keepDraft04(convert(schema, "input", "draft-04")) };
}

const DRAFT_04_KEYWORDS = new Set([
  "$ref",
  "title",
  "description",
  "default",
  "format",
  "type",
  "enum",
  "multipleOf",
  "maximum",
  "exclusiveMaximum",
  "minimum",
  "exclusiveMinimum",
  "maxLength",
  "minLength",
  "pattern",
  "items",
  "additionalItems",
  "maxItems",
  "minItems",
  "uniqueItems",
  "maxProperties",
  "minProperties",
  "required",
  "properties",
  "patternProperties",
  "additionalProperties",
  "dependencies",
  "definitions",
  "allOf",
  "anyOf",
  "oneOf",
  "not",
]);
/** Keywords whose value maps names (of properties, patterns, definitions) to schemas. */
const SCHEMA_MAPS = new Set(["properties", "patternProperties", "definitions", "dependencies"]);
/** Keywords whose value is a schema or a list of schemas. */
const SUBSCHEMAS = new Set([
  "items",
  "additionalItems",
  "additionalProperties",
  "not",
  "allOf",
  "anyOf",
  "oneOf",
]);

/** The schema with only draft-04 keywords, at every depth; booleans keep their draft-04 meaning. */
export function keepDraft04(schema: JsonSchema): JsonSchema {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (!DRAFT_04_KEYWORDS.has(key)) continue;
    // Draft-04's exclusive bounds are flags on minimum / maximum, not numbers of their own.
    if ((key === "exclusiveMinimum" || key === "exclusiveMaximum") && typeof value !== "boolean") continue;
    if (SCHEMA_MAPS.has(key)) kept[key] = mapValues(value, keepSubschema);
    else if (SUBSCHEMAS.has(key)) kept[key] = keepSubschema(value);
    else kept[key] = value;
  }
  return kept as JsonSchema;
}

function keepSubschema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(keepSubschema);
  if (typeof value === "object" && value !== null) return keepDraft04(value as JsonSchema);
  return value;
}

function mapValues(value: unknown, f: (v: unknown) => unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([name, v]) => [name, f(v)]));
}
