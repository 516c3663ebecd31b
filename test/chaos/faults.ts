import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * One answer the fault server may give to one provider call. `ok` is a healthy OpenF1 answer;
 * every other kind is a way real providers (or the networks in front of them) misbehave.
 */
export type Fault =
  | { readonly kind: "ok" }
  /** A healthy answer, late (but within Pacer's timeout): keeps a worker busy mid-batch. */
  | { readonly kind: "slow"; readonly ms: number }
  | {
      readonly kind: "status";
      readonly status: number;
      readonly headers?: Readonly<Record<string, string>>;
      readonly body?: string;
    }
  /** Nothing at all until the caller gives up; a healthy answer after `answerAfterMs` if it is still there. */
  | { readonly kind: "hang"; readonly answerAfterMs: number }
  /** Headers and the first bytes of a healthy body, then silence. */
  | { readonly kind: "stall" }
  /** A healthy body cut short: `json` ends the response cleanly mid-JSON, `reset` drops the socket mid-body. */
  | { readonly kind: "truncate"; readonly how: "json" | "reset" }
  /** A 200 with an HTML page, as a captive portal or a CDN error page answers. */
  | { readonly kind: "html" }
  /** A healthy answer whose first row carries `bytes` of extra text. */
  | { readonly kind: "oversize"; readonly bytes: number }
  /**
   * A redirect: to another URL of this host (`same-host`: each hop a new one, so a chain of them
   * never ends on its own), to this very URL (`same-url`: a loop at once), or to another host.
   */
  | {
      readonly kind: "redirect";
      readonly status: 301 | 302 | 307 | 308;
      readonly to: "same-host" | "same-url" | "other-host";
    };

/** The answer for a key's `call`-th call (0-based). */
export type Script = (call: number) => Fault;

export const OK: Fault = { kind: "ok" };

/** The first `n` calls get `fault`, the rest a healthy answer (n = Infinity: never healthy). */
export function failFirst(n: number, fault: Fault): Script {
  return (call) => (call < n ? fault : OK);
}

export const always = (fault: Fault): Script => failFirst(Number.POSITIVE_INFINITY, fault);

export const status = (code: number, headers?: Record<string, string>): Fault => ({
  kind: "status",
  status: code,
  headers,
  body: JSON.stringify(code === 429 ? { error: "Rate limit exceeded" } : { detail: "Internal Server Error" }),
});

/** What an answer needs from the server around it. */
export interface AnswerContext {
  /** The healthy JSON body for this call. */
  readonly healthyBody: string;
  /** Where a same-host redirect points: this path with the next `hop` in its query. */
  readonly sameHostLocation: string;
  /** This request's own path and query. */
  readonly sameUrlLocation: string;
  /** Where a cross-host redirect points. */
  readonly otherHostLocation: string;
  /** Called with a socket that must be destroyed when the phase ends (hangs and stalls). */
  readonly hold: (response: ServerResponse) => void;
}

/** Writes `fault` as the answer to `request`. */
export function answer(
  fault: Fault,
  context: AnswerContext,
  response: ServerResponse,
  request: IncomingMessage,
) {
  const json = { "content-type": "application/json" };
  switch (fault.kind) {
    case "ok":
      response.writeHead(200, json).end(context.healthyBody);
      return;
    case "slow":
      setTimeout(() => {
        if (!response.destroyed) response.writeHead(200, json).end(context.healthyBody);
      }, fault.ms);
      context.hold(response);
      return;
    case "status":
      response.writeHead(fault.status, { ...json, ...fault.headers }).end(fault.body ?? "");
      return;
    case "hang":
      setTimeout(() => {
        if (!response.destroyed) response.writeHead(200, json).end(context.healthyBody);
      }, fault.answerAfterMs);
      context.hold(response);
      return;
    case "stall":
      response.writeHead(200, { ...json, "content-length": String(Buffer.byteLength(context.healthyBody)) });
      response.write(context.healthyBody.slice(0, Math.floor(context.healthyBody.length / 3)));
      context.hold(response);
      return;
    case "truncate": {
      const cut = context.healthyBody.slice(0, Math.floor(context.healthyBody.length / 2));
      if (fault.how === "json") {
        response.writeHead(200, json).end(cut);
        return;
      }
      response.writeHead(200, { ...json, "content-length": String(Buffer.byteLength(context.healthyBody)) });
      response.write(cut, () => request.socket.destroy());
      return;
    }
    case "html":
      response
        .writeHead(200, { "content-type": "text/html; charset=utf-8" })
        .end(
          "<!doctype html><html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>",
        );
      return;
    case "oversize": {
      const rows = JSON.parse(context.healthyBody) as Record<string, unknown>[];
      const [first, ...rest] = rows;
      const padded = [{ ...first, notes: "x".repeat(fault.bytes) }, ...rest];
      response.writeHead(200, json).end(JSON.stringify(padded));
      return;
    }
    case "redirect": {
      const location = {
        "same-host": context.sameHostLocation,
        "same-url": context.sameUrlLocation,
        "other-host": context.otherHostLocation,
      }[fault.to];
      response
        .writeHead(fault.status, { location, "content-type": "text/plain" })
        .end(`Redirecting to ${location}`);
      return;
    }
  }
}

/** A short label for a fault, as call logs show it. */
export function faultLabel(fault: Fault): string {
  switch (fault.kind) {
    case "status":
      return `status-${fault.status}`;
    case "truncate":
      return `truncate-${fault.how}`;
    case "redirect":
      return `redirect-${fault.to}`;
    default:
      return fault.kind;
  }
}
