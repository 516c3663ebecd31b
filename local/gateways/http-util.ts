import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import type { Duplex } from "node:stream";
import { type ApiErrorCode, statusOf } from "#core/api/errors.ts";

/** API Gateway's REST payload ceiling. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  override readonly name = "BodyTooLargeError";
}

/** The whole request body, refusing past `limit` bytes. */
export async function readBody(request: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLargeError(`body exceeds ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

/** Pacer's error shape (design.md, Contracts), for what the stand-in itself refuses. */
export function sendError(
  response: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(response, status, { error: { code, message } }, headers);
}

/** An answer with one of the REST contract's codes (core/api/errors.ts), at the status it has there. */
export function sendApiError(
  response: ServerResponse,
  code: ApiErrorCode,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendError(response, statusOf(code), code, message, headers);
}

/** A request target as a URL, or undefined for one `new URL` refuses (e.g. `http://[`). */
export function parseRequestUrl(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? "/", "http://local");
  } catch {
    return undefined;
  }
}

/** A caller's text in a message or log line, cut short. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * An HTTP server whose every own refusal carries Pacer's error shape: Node answers a missing Host
 * (400), an unknown `Expect` (417) and what its parser refuses with empty bodies of its own,
 * so those are taken over here.
 */
export function createGatewayServer(
  handle: (request: IncomingMessage, response: ServerResponse) => void,
): Server {
  const server = createServer({ requireHostHeader: false }, (request, response) => {
    if (request.httpVersion === "1.1" && request.headers.host === undefined) {
      response.setHeader("connection", "close");
      return sendApiError(response, "BAD_REQUEST", "an HTTP/1.1 request needs a Host header");
    }
    handle(request, response);
  });
  server.on("checkExpectation", (_request: IncomingMessage, response: ServerResponse) =>
    sendApiError(response, "EXPECTATION_FAILED", 'only "Expect: 100-continue" is understood'),
  );
  server.on("clientError", answerClientError);
  return server;
}

/** Pacer's error shape as a whole HTTP/1.1 response, for a socket that has no ServerResponse. */
export function rawErrorResponse(status: number, code: string, message: string): string {
  const body = JSON.stringify({ error: { code, message } });
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Connection: close\r\n\r\n${body}`
  );
}

/** What Node's HTTP parser refuses, by its error code (llhttp's `HPE_*`, or Node's own). */
const CLIENT_ERRORS: Record<string, [ApiErrorCode, string]> = {
  HPE_HEADER_OVERFLOW: ["HEADERS_TOO_LARGE", "the request's headers are too large"],
  ERR_HTTP_REQUEST_TIMEOUT: ["REQUEST_TIMEOUT", "the request took too long to arrive"],
  ERR_HTTP_HEADERS_TIMEOUT: ["REQUEST_TIMEOUT", "the request's headers took too long to arrive"],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: ["PAYLOAD_TOO_LARGE", "chunk extensions are too large"],
};

/**
 * A server's `clientError` handler: Node's parser refused the bytes (garbage, headers over its
 * 16 KB limit, a broken chunked body), and the answer still carries Pacer's error shape.
 * Nothing is written to a socket already closed or mid-response.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // The response in progress on this socket, if any: Node's own default handler checks it too.
  const response = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  if (error.code === "ECONNRESET" || !socket.writable || response?.headersSent) {
    socket.destroy();
    return;
  }
  const [code, message] = CLIENT_ERRORS[error.code ?? ""] ?? [
    "BAD_REQUEST",
    "the request is not valid HTTP/1.1",
  ];
  socket.end(rawErrorResponse(statusOf(code), code, message));
}

/**
 * Header names as the client sent them (API Gateway keeps their case; Node lowercases), each with
 * its last value and all values.
 */
export function headerMaps(request: IncomingMessage): {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
} {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  return { headers, multiValueHeaders };
}

/** Query parameters the way API Gateway passes them: decoded, last value wins, null when none. */
export function queryMaps(search: URLSearchParams): {
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
} {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of search) {
    single[name] = value;
    multi[name] = [...(multi[name] ?? []), value];
  }
  const any = Object.keys(single).length > 0;
  return { queryStringParameters: any ? single : null, multiValueQueryStringParameters: any ? multi : null };
}

/** Case-insensitive header lookup. */
export function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const key = Object.keys(headers).find((k) => k.toLowerCase() === wanted);
  return key === undefined ? undefined : headers[key];
}

/** Closes a server and the keep-alive connections that would hold it open. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
