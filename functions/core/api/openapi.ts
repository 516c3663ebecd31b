import type { Catalog } from "#catalog/types.ts";
import { API_ERROR_CODES, API_ERRORS, type ApiErrorCode, statusOf } from "./errors.ts";
import { type JsonSchema, requestJsonSchema, responseJsonSchema } from "./json-schema.ts";
import { REST_ROUTES, type RestRoute, routeErrors, routeServerErrors } from "./routes.ts";
import { errorBodySchema } from "./schemas.ts";

/** The contract's version: its major changes with any change a client must follow. */
export const REST_API_VERSION = "1.0.0";

/** The security scheme every authorized route names. */
export const BEARER_SCHEME = "bearer";

/** An OpenAPI 3.1 document, as plain JSON. */
export interface OpenApiDocument {
  readonly openapi: string;
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly paths: Readonly<Record<string, unknown>>;
  readonly [key: string]: unknown;
}

type Json = Record<string, unknown>;

/**
 * The REST API's OpenAPI 3.1 document, generated from the contract (./routes.ts) and the catalog
 * (each pull sync type's `POST /sync` body, with its own params). Pure: the same catalog gives the
 * same document, deployed and locally.
 *
 * `servers` is relative (`.`: where the document is served from), since a deployment's URL is not
 * known when the code is built: deployed that is the stage (`…/v1`), locally the gateway's root.
 */
export function openApiDocument(catalog: Catalog): OpenApiDocument {
  const schemas: Record<string, JsonSchema> = { Error: errorSchema() };
  const paths: Record<string, Json> = {};
  for (const route of REST_ROUTES as readonly RestRoute[]) {
    const pathItem = paths[route.path] ?? {};
    pathItem[route.method.toLowerCase()] = operation(route, catalog, schemas);
    paths[route.path] = pathItem;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Pacer REST API",
      version: REST_API_VERSION,
      description:
        'Connections, race events and their participants, manual syncs, job and status reads. Every error is `{"error":{"code","message"}}`: a 4xx for anything the caller got wrong, a 5xx only for a bug or an outage. Each operation lists the codes it answers with; `ErrorCode` lists them all.',
    },
    servers: [{ url: ".", description: "Where this document is served: the API's base URL" }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        [BEARER_SCHEME]: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "An OIDC ID token whose tenant claim names the caller's tenant.",
        },
      },
    },
  };
}

function operation(route: RestRoute, catalog: Catalog, schemas: Record<string, JsonSchema>): Json {
  const op: Json = {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    security: route.auth.kind === "bearer" ? [{ [BEARER_SCHEME]: [] }] : [],
  };
  const params = [
    ...Object.entries(route.pathParams ?? {}).map(([name, schema]) => ({
      name,
      in: "path",
      required: true,
      schema: requestJsonSchema(schema),
    })),
    ...Object.entries(route.queryParams ?? {}).map(([name, schema]) => ({
      name,
      in: "query",
      required: false,
      ...(schema.description === undefined ? {} : { description: schema.description }),
      schema: requestJsonSchema(schema),
    })),
  ];
  if (params.length > 0) op.parameters = params;
  if (route.body) {
    const name = route.body.model;
    schemas[name] = requestJsonSchema(route.body.documented?.(catalog) ?? route.body.schema);
    op.requestBody = {
      required: true,
      description: `A JSON body of at most ${route.body.maxBytes} bytes.`,
      content: { "application/json": { schema: ref(name) } },
      "x-max-bytes": route.body.maxBytes,
    };
  }
  const answer = componentName(route);
  schemas[answer] = responseJsonSchema(route.success.schema);
  const responses: Json = {
    [String(route.success.status)]: {
      description: route.success.description,
      ...(route.success.headers ? { headers: headers(route.success.headers) } : {}),
      content: { "application/json": { schema: ref(answer) } },
    },
  };
  for (const [status, codes] of byStatus(routeErrors(route)))
    responses[String(status)] = errorResponse(codes);
  responses["5XX"] = errorResponse(routeServerErrors(route));
  op.responses = responses;
  return op;
}

/** `getJob` → `GetJobResponse`. */
function componentName(route: RestRoute): string {
  return `${route.operationId[0]?.toUpperCase()}${route.operationId.slice(1)}Response`;
}

function ref(name: string): Json {
  return { $ref: `#/components/schemas/${name}` };
}

function headers(described: Readonly<Record<string, string>>): Json {
  return Object.fromEntries(
    Object.entries(described).map(([name, description]) => [
      name,
      { description, schema: { type: "string" } },
    ]),
  );
}

function byStatus(codes: readonly ApiErrorCode[]): Map<number, ApiErrorCode[]> {
  const grouped = new Map<number, ApiErrorCode[]>();
  for (const code of codes) grouped.set(statusOf(code), [...(grouped.get(statusOf(code)) ?? []), code]);
  return grouped;
}

/** An error answer whose `code` is one of `codes`, each described. */
function errorResponse(codes: readonly ApiErrorCode[]): Json {
  return {
    description: codes.map((code) => `\`${code}\`: ${API_ERRORS[code].meaning}`).join("; "),
    content: { "application/json": { schema: responseJsonSchema(errorBodySchema(codes)) } },
  };
}

/** The error body with every code any answer may carry, each with its status and meaning. */
function errorSchema(): JsonSchema {
  const schema = responseJsonSchema(errorBodySchema(API_ERROR_CODES));
  const table = API_ERROR_CODES.map((code) => {
    const { status, meaning } = API_ERRORS[code];
    const local = "localOnly" in API_ERRORS[code] ? " (local stand-in only)" : "";
    return `- \`${code}\` (${status}): ${meaning}${local}`;
  });
  return { ...schema, description: `Error codes:\n${table.join("\n")}` };
}
