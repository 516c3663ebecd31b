/**
 * Bad requests drawn from an OpenAPI 3.1 document (with its `$ref`s resolved): for each operation,
 * bodies and parameters that its schemas refuse, and the error codes it documents. A route added
 * to the contract is fuzzed without anyone listing it here.
 *
 * Every "invalid" value is checked against the documented schema before it is used (zod 4 reads
 * JSON Schema), so a sloppy mutation can never pass for a bad request.
 */
import fc from "fast-check";
import { z } from "zod";

export type Schema = Readonly<Record<string, unknown>>;

export interface DocumentedParam {
  readonly name: string;
  readonly in: "path" | "query";
  readonly required: boolean;
  readonly schema: Schema;
}

export interface DocumentedOperation {
  readonly method: string;
  /** The path template, `/jobs/{jobId}`. */
  readonly path: string;
  readonly secured: boolean;
  readonly params: readonly DocumentedParam[];
  readonly body?: { readonly schema: Schema; readonly maxBytes?: number };
  /** The error codes documented per response key (`"400"`, `"4XX"`…). */
  readonly errors: ReadonlyMap<string, readonly string[]>;
}

interface OperationObject {
  readonly security?: readonly Record<string, unknown>[];
  readonly parameters?: readonly DocumentedParam[];
  readonly requestBody?: {
    readonly content?: Record<string, { schema?: Schema }>;
    readonly "x-max-bytes"?: number;
  };
  readonly responses?: Record<string, { content?: Record<string, { schema?: ErrorBodySchema }> }>;
}
interface ErrorBodySchema {
  readonly properties?: { error?: { properties?: { code?: { enum?: readonly string[] } } } };
}

const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/** Every operation of a resolved document. */
export function operationsOf(document: {
  paths?: Record<string, Record<string, unknown>>;
}): DocumentedOperation[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, raw]) => {
        const op = raw as OperationObject;
        const errors = new Map<string, readonly string[]>();
        for (const [status, response] of Object.entries(op.responses ?? {})) {
          const codes = errorCodesOf(response.content?.["application/json"]?.schema);
          if (codes) errors.set(status, codes);
        }
        const bodySchema = op.requestBody?.content?.["application/json"]?.schema;
        return {
          method: method.toUpperCase(),
          path,
          secured: (op.security ?? []).length > 0,
          params: (op.parameters ?? []).filter((p) => p.in === "path" || p.in === "query"),
          ...(bodySchema ? { body: { schema: bodySchema, maxBytes: op.requestBody?.["x-max-bytes"] } } : {}),
          errors,
        };
      }),
  );
}

/** The codes an error body schema allows, or undefined when it is no error body. */
export function errorCodesOf(schema: ErrorBodySchema | undefined): readonly string[] | undefined {
  return schema?.properties?.error?.properties?.code?.enum;
}

/** The codes `operation` documents for `status`: its own key, else its range (`4XX`). */
export function documentedCodes(operation: DocumentedOperation, status: number): readonly string[] {
  return operation.errors.get(String(status)) ?? operation.errors.get(`${String(status)[0]}XX`) ?? [];
}

const validators = new WeakMap<Schema, z.ZodType>();

/** Whether `value` is valid by the JSON Schema. */
export function conforms(schema: Schema, value: unknown): boolean {
  let validator = validators.get(schema);
  if (!validator) {
    validator = z.fromJSONSchema(schema as z.core.JSONSchema.JSONSchema);
    validators.set(schema, validator);
  }
  return validator.safeParse(value).success;
}

const str = (schema: Schema, key: string) =>
  typeof schema[key] === "string" ? (schema[key] as string) : undefined;
const num = (schema: Schema, key: string) =>
  typeof schema[key] === "number" ? (schema[key] as number) : undefined;
const schemas = (schema: Schema, key: string) =>
  Array.isArray(schema[key]) ? (schema[key] as Schema[]) : [];
const record = (schema: Schema, key: string) =>
  typeof schema[key] === "object" && schema[key] !== null ? (schema[key] as Record<string, Schema>) : {};

/** Values the schema accepts (for the subset of JSON Schema zod writes). */
export function validValue(schema: Schema): fc.Arbitrary<unknown> {
  return rawValid(schema).filter((value) => conforms(schema, value));
}

function rawValid(schema: Schema): fc.Arbitrary<unknown> {
  const branches = [...schemas(schema, "anyOf"), ...schemas(schema, "oneOf")];
  if (branches.length > 0) return fc.oneof(...branches.map(rawValid));
  if ("const" in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const type = Array.isArray(schema.type) ? (schema.type[0] as string) : str(schema, "type");
  switch (type) {
    case "string": {
      const min = num(schema, "minLength") ?? 0;
      const pattern = str(schema, "pattern");
      // A pattern may ask for more than 20 characters (`c-` and 20 hex digits): leave it room.
      const max = Math.min(num(schema, "maxLength") ?? (pattern ? 64 : 20), min + (pattern ? 64 : 20));
      if (!pattern) return fc.string({ minLength: min, maxLength: max });
      const regex = new RegExp(pattern);
      // fast-check draws short matches; one too short is repeated up to the minimum (kept only if
      // it still matches), so a pattern with a minimum length does not starve the filter.
      return fc
        .stringMatching(regex, { maxLength: max })
        .map((s) =>
          s.length >= min || s.length === 0 ? s : s.repeat(Math.ceil(min / s.length)).slice(0, min),
        )
        .filter((s) => s.length >= min && s.length <= max && regex.test(s));
    }
    case "integer": {
      const exclusive = num(schema, "exclusiveMinimum");
      const min = num(schema, "minimum") ?? (exclusive === undefined ? -1000 : exclusive + 1);
      // A bounded range near the minimum: the documented maximum may be Number.MAX_SAFE_INTEGER.
      return fc.integer({ min, max: Math.min(num(schema, "maximum") ?? min + 2_000, min + 1e6) });
    }
    case "number":
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array":
      return fc.array(rawValid(record(schema, "items") as Schema), { maxLength: 3 });
    case "object":
      return validObject(schema);
    default:
      return fc.jsonValue();
  }
}

function validObject(schema: Schema): fc.Arbitrary<unknown> {
  const properties = record(schema, "properties");
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const known = fc.record(
    Object.fromEntries(Object.entries(properties).map(([name, sub]) => [name, rawValid(sub)])),
    { requiredKeys: Object.keys(properties).filter((name) => required.has(name)) },
  );
  const patterns = Object.entries(record(schema, "patternProperties"));
  if (patterns.length === 0) return known;
  const extra = fc.dictionary(
    fc.oneof(...patterns.map(([pattern]) => fc.stringMatching(new RegExp(pattern)))),
    fc.oneof(...patterns.map(([, sub]) => rawValid(sub))),
    { maxKeys: Math.min(3, num(schema, "maxProperties") ?? 3) },
  );
  return fc.tuple(known, extra).map(([a, b]) => ({ ...b, ...a }));
}

/** JSON values of every type, for a wrong type anywhere. */
const anyJson = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, "", "x", [], {}, [1], { a: 1 }),
  fc.string({ maxLength: 20 }),
  fc.integer(),
);

/** Strings that break patterns the way hostile callers do. */
const hostileStrings = fc.constantFrom(
  " ",
  "1 OR 1=1",
  "2024&meeting_key=1",
  "../../etc/passwd",
  "<script>",
  "\u0000",
  "é",
  "20x4",
  "-1",
);

/** Values the schema refuses: a wrong type, a missing or unknown field, a bound or pattern broken. */
export function invalidValue(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  return fc.oneof(...invalidCandidates(schema, depth)).filter((value) => !conforms(schema, value));
}

function invalidCandidates(schema: Schema, depth: number): fc.Arbitrary<unknown>[] {
  const candidates: fc.Arbitrary<unknown>[] = [anyJson];
  const branches = [...schemas(schema, "anyOf"), ...schemas(schema, "oneOf")];
  // A union is broken by breaking one of its branches (the filter drops what another branch takes).
  for (const branch of branches) candidates.push(...invalidCandidates(branch, depth));
  if ("const" in schema || Array.isArray(schema.enum))
    candidates.push(fc.string({ maxLength: 70 }), hostileStrings);
  const min = num(schema, "minLength");
  const max = num(schema, "maxLength");
  if (max !== undefined)
    candidates.push(fc.integer({ min: max + 1, max: max + 5_000 }).map((n) => "x".repeat(n)));
  if (min !== undefined && min > 0) candidates.push(fc.string({ maxLength: min - 1 }));
  if (str(schema, "pattern") !== undefined) candidates.push(hostileStrings, fc.string({ maxLength: 30 }));
  if (str(schema, "type") === "object" && depth < 3) candidates.push(...invalidObjects(schema, depth));
  return candidates;
}

function invalidObjects(schema: Schema, depth: number): fc.Arbitrary<unknown>[] {
  const base = validObject(schema) as fc.Arbitrary<Record<string, unknown>>;
  const properties = record(schema, "properties");
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  const candidates: fc.Arbitrary<unknown>[] = [];
  if (required.length > 0) {
    candidates.push(
      fc.tuple(base, fc.constantFrom(...required)).map(([value, name]) => {
        const { [name]: _dropped, ...rest } = value;
        return rest;
      }),
    );
  }
  if (schema.additionalProperties === false) {
    const unknownKey = fc.string({ maxLength: 20 }).filter((k) => !(k in properties) && k !== "__proto__");
    candidates.push(fc.tuple(base, unknownKey, anyJson).map(([value, key, v]) => ({ ...value, [key]: v })));
  }
  const maxProperties = num(schema, "maxProperties");
  const [pattern] = Object.keys(record(schema, "patternProperties"));
  if (maxProperties !== undefined && pattern !== undefined) {
    candidates.push(
      fc
        .integer({ min: maxProperties + 1, max: maxProperties + 2_000 })
        .map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, "1"]))),
    );
  }
  const names = Object.keys(properties);
  if (names.length > 0) {
    candidates.push(
      fc
        .constantFrom(...names)
        .chain((name) =>
          fc
            .tuple(base, invalidValue(properties[name] as Schema, depth + 1))
            .map(([value, bad]) => ({ ...value, [name]: bad })),
        ),
    );
  }
  return candidates;
}

/** Percent-escapes no decoder accepts: a path parameter made of them can never name anything. */
export const BAD_ESCAPES = ["%ZZ", "%", "%4", "%E0%A4", "%ED%A0%80", "%C0%AF", "%FF", "%%", "%u0041"];

/** A value as one path segment, URL-encoded. */
export function pathSegment(value: string): string {
  return encodeURIComponent(value);
}

/**
 * Whether a value can travel as a path segment at all: URL parsing resolves `.` and `..` (escaped
 * or not) before any request is sent, so no client can send them.
 */
export function sendableInPath(value: string): boolean {
  return value !== "" && value !== "." && value !== "..";
}

/** The template with each `{name}` replaced by its (already encoded) value. */
export function fillPath(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? "");
}
