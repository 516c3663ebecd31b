import { type Colors, clockTime, colors } from "./terminal.ts";

/**
 * The handlers log as they do on Lambda: Powertools Logger JSON lines, and EMF metric blobs from
 * Powertools Metrics. On a terminal each becomes one readable line; elsewhere (CI, a pipe) the
 * JSON lines pass through as they are. EMF is dropped unless asked for.
 */
export interface ConsoleOptions {
  /** One readable line per JSON log line (a terminal). */
  readonly pretty: boolean;
  readonly color: boolean;
  /** Keep EMF metric blobs (`--metrics`, `--verbose`). */
  readonly metrics: boolean;
}

/** Powertools' own keys: the line shows the level, function and message, not these. */
const CONTEXT_KEYS = new Set([
  "level",
  "message",
  "timestamp",
  "service",
  "cold_start",
  "function_arn",
  "function_memory_size",
  "function_name",
  "function_request_id",
  "sampling_rate",
  "xray_trace_id",
  "error",
]);
const MAX_FIELDS = 6;
const MAX_VALUE = 80;
const FUNCTION_WIDTH = 14;
/**
 * Powertools Metrics says so (plain text) on every flush without metrics, disabled or not: kept
 * only in the raw output asked for with metrics.
 */
const NO_METRICS_NOTICE = /^No application metrics to publish/;

/** The line as it should be shown, or undefined to drop it. `line` has no newline. */
export function renderConsoleLine(line: string, options: ConsoleOptions): string | undefined {
  const parsed = line.startsWith("{") && line.endsWith("}") ? parseObject(line) : undefined;
  if (!parsed) return NO_METRICS_NOTICE.test(line) && (options.pretty || !options.metrics) ? undefined : line;
  if (isEmf(parsed)) {
    if (!options.metrics) return undefined;
    return options.pretty ? renderMetrics(parsed, colors(options.color)) : line;
  }
  if (typeof parsed.level !== "string" || !("message" in parsed)) return line;
  return options.pretty ? renderLog(parsed, colors(options.color)) : line;
}

/** `12:03:04  WARN   worker-openf1   message  key=value …  error="Name: message"` */
function renderLog(log: Record<string, unknown>, c: Colors): string {
  const level = String(log.level);
  const paint = level === "WARN" ? c.yellow : level === "ERROR" || level === "CRITICAL" ? c.red : c.plain;
  const extra = Object.entries(log).filter(([key]) => !CONTEXT_KEYS.has(key));
  const fields = extra.slice(0, MAX_FIELDS).map(([key, value]) => `${key}=${showValue(value)}`);
  if (extra.length > MAX_FIELDS) fields.push(`+${extra.length - MAX_FIELDS} more`);
  if (log.error !== undefined) fields.push(`error=${showValue(describeError(log.error))}`);
  const message = typeof log.message === "string" ? log.message : JSON.stringify(log.message);
  return [
    c.dim(clockTime(String(log.timestamp))),
    paint(level.padEnd(5)),
    functionName(log.function_name).padEnd(FUNCTION_WIDTH),
    message,
    ...(fields.length > 0 ? [c.dim(fields.join(" "))] : []),
  ].join("  ");
}

interface Emf {
  readonly _aws: {
    readonly Timestamp?: number;
    readonly CloudWatchMetrics?: readonly {
      readonly Dimensions?: readonly (readonly string[])[];
      readonly Metrics?: readonly { readonly Name?: string; readonly Unit?: string }[];
    }[];
  };
}

function isEmf(value: Record<string, unknown>): value is Record<string, unknown> & Emf {
  const aws = value._aws as Emf["_aws"] | undefined;
  return typeof aws === "object" && aws !== null && Array.isArray(aws.CloudWatchMetrics);
}

/** `12:03:04  EMF    metrics         JobSucceeded 1 · PermitsGranted 2  provider=openf1` */
function renderMetrics(emf: Record<string, unknown> & Emf, c: Colors): string {
  const directives = emf._aws.CloudWatchMetrics ?? [];
  const metrics = directives.flatMap((d) => d.Metrics ?? []).filter((m) => m.Name);
  const dimensions = [...new Set(directives.flatMap((d) => (d.Dimensions ?? []).flat()))].filter(
    (name) => name !== "service",
  );
  const values = metrics.map(({ Name: name = "", Unit: unit }) => `${name} ${showMetric(emf[name], unit)}`);
  const where = dimensions.map((name) => `${name}=${showValue(emf[name])}`);
  return [
    c.dim(clockTime(emf._aws.Timestamp ?? Date.now())),
    c.dim("EMF".padEnd(5)),
    "metrics".padEnd(FUNCTION_WIDTH),
    values.join(" · "),
    ...(where.length > 0 ? [c.dim(where.join(" "))] : []),
  ].join("  ");
}

/**
 * A metric's values in one blob (Powertools lists them when one is added more than once): a count
 * as its total, anything else (latencies) as the values.
 */
function showMetric(value: unknown, unit: string | undefined): string {
  if (!Array.isArray(value) || !value.every((v) => typeof v === "number")) return showValue(value);
  return unit === "Count" ? String(value.reduce((sum: number, v: number) => sum + v, 0)) : value.join(",");
}

/** `pacer-local-worker-openf1` → `worker-openf1`. */
function functionName(name: unknown): string {
  return typeof name === "string" ? name.replace(/^pacer-local-/, "") : "-";
}

/** Powertools logs an error as `{ name, location, message, stack }`: `Name: message (file.ts:12)`. */
function describeError(error: unknown): string {
  if (typeof error !== "object" || error === null) return String(error);
  const { name, message, location } = error as { name?: unknown; message?: unknown; location?: unknown };
  const text = [name, message].filter((part) => typeof part === "string" && part !== "").join(": ");
  const where = typeof location === "string" ? location.split("/").at(-1) : undefined;
  return where ? `${text} (${where})` : text;
}

function showValue(value: unknown): string {
  const text =
    typeof value === "string"
      ? /^[\w.:/@#+~-]*$/.test(value) && value !== ""
        ? value
        : JSON.stringify(value)
      : (JSON.stringify(value) ?? String(value));
  return text.length <= MAX_VALUE ? text : `${text.slice(0, MAX_VALUE - 1)}…`;
}

function parseObject(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whole lines of `text` rendered, dropped ones left out; a trailing partial line is kept as it is. */
export function renderConsoleChunk(text: string, options: ConsoleOptions): string {
  // Most writes are the stand-in's own lines: nothing to look at.
  if (!text.includes("{") && !NO_METRICS_NOTICE.test(text)) return text;
  const lines = text.split("\n");
  const tail = lines.pop() ?? "";
  const kept = lines.flatMap((line) => {
    const shown = renderConsoleLine(line, options);
    return shown === undefined ? [] : [`${shown}\n`];
  });
  return kept.join("") + tail;
}

type Write = NodeJS.WriteStream["write"];

/**
 * A `write` for process.stdout and process.stderr that renders every chunk and sends it to
 * `target` (the real stderr: stdout carries only the machine-readable lines).
 */
export function consoleWriter(
  target: (text: string, done?: (error?: Error | null) => void) => boolean,
  options: ConsoleOptions,
): Write {
  return ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown) => {
    const done = (typeof encoding === "function" ? encoding : callback) as
      | ((error?: Error | null) => void)
      | undefined;
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    const shown = renderConsoleChunk(text, options);
    if (shown === "") {
      if (done) queueMicrotask(() => done());
      return true;
    }
    return target(shown, done);
  }) as Write;
}
