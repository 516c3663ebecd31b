import { createHash, createHmac, type Hash, type Hmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../aws/aws-config.ts";
import { BodyTooLargeError, readBody, sendJson } from "./http-util.ts";

/** API Gateway's limit on one WebSocket message. */
export const MAX_MESSAGE_BYTES = 128 * 1024;

/** What the management API needs of the gateway's open connections. */
export interface ConnectionRegistry {
  send(connectionId: string, data: string): boolean;
  close(connectionId: string): boolean;
  info(
    connectionId: string,
  ): { connectedAt: number; lastActiveAt: number; sourceIp: string; userAgent: string | null } | undefined;
}

/** Who may call the endpoint: requests must be SigV4-signed with these. */
export interface ConnectionsApiAuth {
  /** @default LOCAL_CREDENTIALS (what the stand-in hands the handlers) */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** @default LOCAL_REGION */
  readonly region?: string;
  /** @default Date.now */
  readonly now?: () => number;
}

/** `/<stage>/@connections/<url-encoded id>`, as @aws-sdk/client-apigatewaymanagementapi sends it. */
const CONNECTION_PATH = /^(?:\/[^/]+)?\/@connections\/([^/]+)$/;

/**
 * The API Gateway Management API (`@connections`): POST delivers the raw body to the connection,
 * DELETE closes it, GET describes it; an unknown connection is 410 Gone. Like AWS, it answers only
 * requests signed (SigV4, service `execute-api`) with a credential it knows: anything else is 403.
 * Errors carry `x-amzn-ErrorType` so the SDK raises its typed exceptions (GoneException, …).
 * Returns false when the request is not for this API.
 */
export async function handleConnectionsRequest(
  request: IncomingMessage,
  response: ServerResponse,
  connections: ConnectionRegistry,
  auth: ConnectionsApiAuth = {},
): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(request.url ?? "/", "http://local");
  } catch {
    return false; // not a path this API serves; the gateway answers it
  }
  const match = CONNECTION_PATH.exec(url.pathname);
  if (!match?.[1]) return false;
  let connectionId: string;
  try {
    connectionId = decodeURIComponent(match[1]);
  } catch {
    awsError(response, 400, "BadRequestException", "the connection id in the path is not URL-encoded");
    return true;
  }
  let body: Buffer;
  try {
    body = await readBody(request, MAX_MESSAGE_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      awsError(response, 413, "PayloadTooLargeException", error.message);
      return true;
    }
    throw error;
  }
  const refusal = await signatureRefusal(request, body, auth);
  if (refusal !== undefined) {
    awsError(response, 403, "ForbiddenException", refusal);
    return true;
  }
  switch (request.method) {
    case "POST":
      if (connections.send(connectionId, body.toString("utf8"))) response.writeHead(200).end();
      else gone(response, connectionId);
      return true;
    case "DELETE":
      if (connections.close(connectionId)) response.writeHead(204).end();
      else gone(response, connectionId);
      return true;
    case "GET": {
      const info = connections.info(connectionId);
      if (!info) gone(response, connectionId);
      else {
        sendJson(response, 200, {
          connectedAt: new Date(info.connectedAt).toISOString(),
          lastActiveAt: new Date(info.lastActiveAt).toISOString(),
          identity: { sourceIp: info.sourceIp, userAgent: info.userAgent ?? "" },
        });
      }
      return true;
    }
    default:
      awsError(
        response,
        405,
        "MethodNotAllowedException",
        `${request.method} is not supported on @connections`,
      );
      return true;
  }
}

function gone(response: ServerResponse, connectionId: string): void {
  awsError(response, 410, "GoneException", `connection ${connectionId} is gone`);
}

/**
 * AWS's error shape (`message` and the `x-amzn-ErrorType` header the SDK reads), with Pacer's
 * `error` body beside it, so this port's 4xx keep the contract too; the SDK ignores the extra field.
 */
function awsError(response: ServerResponse, status: number, type: string, message: string): void {
  const code = type
    .replace(/Exception$/, "")
    .replace(/([a-z])([A-Z])/g, "$1_$2")
    .toUpperCase();
  sendJson(response, status, { message, error: { code, message } }, { "x-amzn-errortype": type });
}

const SERVICE = "execute-api";
/** How far a signature's time may be from the server's, as AWS allows. */
const MAX_CLOCK_SKEW_MS = 15 * 60_000;
const AUTHORIZATION = /^AWS4-HMAC-SHA256 (.+)$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/**
 * Why the request's SigV4 signature does not prove it comes from a holder of the credentials, or
 * undefined when it does. The signature is recomputed with the SDK's own signer over exactly the
 * headers the caller signed, so canonicalisation (path escaping, header folding) matches the
 * clients byte for byte.
 */
export async function signatureRefusal(
  request: IncomingMessage,
  body: Buffer,
  auth: ConnectionsApiAuth = {},
): Promise<string | undefined> {
  const credentials = auth.credentials ?? LOCAL_CREDENTIALS;
  const region = auth.region ?? LOCAL_REGION;
  const now = (auth.now ?? Date.now)();

  const authorization = AUTHORIZATION.exec(header(request, "authorization") ?? "");
  if (!authorization?.[1]) {
    return "Missing Authentication Token: sign the request with SigV4 (AWS4-HMAC-SHA256)";
  }
  const fields = new Map(
    authorization[1].split(",").map((part) => {
      const [name = "", ...value] = part.trim().split("=");
      return [name, value.join("=")] as const;
    }),
  );
  const [accessKeyId, scopeDate, scopeRegion, scopeService, terminator] = (
    fields.get("Credential") ?? ""
  ).split("/");
  const signedHeaders = (fields.get("SignedHeaders") ?? "").split(";").filter(Boolean);
  const signature = fields.get("Signature") ?? "";
  if (!/^[0-9a-f]{64}$/.test(signature) || signedHeaders.length === 0 || terminator !== "aws4_request") {
    return "Authorization header is malformed: expected Credential, SignedHeaders and Signature";
  }
  if (accessKeyId !== credentials.accessKeyId) {
    return `The security token included in the request is invalid: unknown access key id "${accessKeyId}"`;
  }
  if (scopeRegion !== region || scopeService !== SERVICE) {
    return `Credential should be scoped to region "${region}" and service "${SERVICE}"`;
  }

  const amzDate = header(request, "x-amz-date") ?? "";
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined || !signedHeaders.includes("x-amz-date") || !signedHeaders.includes("host")) {
    return "the signature must cover the host and x-amz-date headers (x-amz-date as YYYYMMDDTHHMMSSZ)";
  }
  if (scopeDate !== amzDate.slice(0, 8)) return "Credential should be scoped to the date of x-amz-date";
  if (Math.abs(now - signedAt.getTime()) > MAX_CLOCK_SKEW_MS) {
    return `Signature expired: ${amzDate} is more than 15 minutes from the server's time ${new Date(now).toISOString()}`;
  }

  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = header(request, name);
    if (value === undefined) return `signed header "${name}" is missing from the request`;
    headers[name] = value;
  }
  // The signer takes a sent payload hash on trust; the body must be what was hashed.
  const payloadHash = headers["x-amz-content-sha256"];
  if (payloadHash !== undefined && payloadHash !== createHash("sha256").update(body).digest("hex")) {
    return "x-amz-content-sha256 does not match the request body";
  }

  // The raw target, not a parsed URL: the signer must escape exactly the path the client sent.
  const [path = "/", search = ""] = (request.url ?? "/").split("?", 2);
  const host = headers.host ?? "";
  const signer = new SignatureV4({
    service: SERVICE,
    region,
    credentials,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const expected = await signer.sign(
    {
      method: request.method ?? "GET",
      protocol: "http:",
      hostname: host.replace(/:\d+$/, ""),
      path,
      query: queryOf(new URLSearchParams(search)),
      headers,
      body,
    },
    { signingDate: signedAt, signableHeaders: new Set(signedHeaders) },
  );
  const expectedSignature = /Signature=([0-9a-f]{64})/.exec(expected.headers.authorization ?? "")?.[1] ?? "";
  const matches =
    expectedSignature.length === signature.length &&
    timingSafeEqual(Buffer.from(expectedSignature), Buffer.from(signature));
  return matches
    ? undefined
    : "The request signature we calculated does not match the signature you provided: check the secret access key";
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

function parseAmzDate(value: string): Date | undefined {
  const parts = AMZ_DATE.exec(value);
  if (!parts) return undefined;
  const [year, month, day, hour, minute, second] = parts.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function queryOf(search: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const name of new Set(search.keys())) {
    const values = search.getAll(name);
    query[name] = values.length === 1 ? (values[0] as string) : values;
  }
  return query;
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

const toBuffer = (data: SourceData): Buffer =>
  typeof data === "string"
    ? Buffer.from(data, "utf8")
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** SHA-256 (HMAC-SHA-256 when given a secret) in the shape the SigV4 signer hashes with. */
export class NodeSha256 {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.create();
  }

  private create(): Hash | Hmac {
    return this.secret === undefined ? createHash("sha256") : createHmac("sha256", toBuffer(this.secret));
  }

  update(data: SourceData): void {
    this.hash.update(toBuffer(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.create();
  }
}
