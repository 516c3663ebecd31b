/**
 * Text for a terminal: colours (only when wanted), durations, clock times and tables. Pure: every
 * function gets what it shows, the time included, so tests pin the output exactly.
 */

export interface Style {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

/** Colours only for a terminal, and never when NO_COLOR is set to anything (https://no-color.org). */
export function colourWanted(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  const noColor = env.NO_COLOR;
  return stream.isTTY === true && (noColor === undefined || noColor === "") && env.TERM !== "dumb";
}

export function createStyle(enabled: boolean): Style {
  const sgr = (open: number, close: number) => (text: string) =>
    enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return {
    enabled,
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    cyan: sgr(36, 39),
  };
}

/** How output is shaped: colours and the zone clock times are shown in (default: the machine's). */
export interface Formatter {
  readonly style: Style;
  readonly timeZone?: string;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character is what colour codes start with
const ANSI = /\u001b\[[0-9;]*m/g;

/** The width a string takes on screen, colour codes aside. */
export function visibleLength(text: string): number {
  return text.replace(ANSI, "").length;
}

/** 850 ms, 12.3 s, 4 min 5 s, 2 h 3 min. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)} ms`;
  if (abs < 60_000) return `${trimZero((abs / 1000).toFixed(1))} s`;
  const totalSeconds = Math.round(abs / 1000);
  if (totalSeconds < 3600) {
    const seconds = totalSeconds % 60;
    return `${Math.floor(totalSeconds / 60)} min${seconds ? ` ${seconds} s` : ""}`;
  }
  const totalMinutes = Math.round(totalSeconds / 60);
  const minutes = totalMinutes % 60;
  return `${Math.floor(totalMinutes / 60)} h${minutes ? ` ${minutes} min` : ""}`;
}

function trimZero(text: string): string {
  return text.endsWith(".0") ? text.slice(0, -2) : text;
}

/** "in 12 s", "3 min ago", "now". */
export function formatRelative(atMs: number, nowMs: number): string {
  const delta = atMs - nowMs;
  if (Math.abs(delta) < 500) return "now";
  return delta > 0 ? `in ${formatDuration(delta)}` : `${formatDuration(delta)} ago`;
}

/** A window or period: "1 s", "1 min", "30 min", "1 h", "1.5 s". */
export function formatPeriod(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return formatDuration(ms);
}

/** HH:MM:SS in the formatter's zone. */
export function formatClock(at: string | number | Date, fmt: Pick<Formatter, "timeZone">): string {
  const date = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(date.getTime())) return String(at);
  return new Intl.DateTimeFormat("en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
    ...(fmt.timeZone ? { timeZone: fmt.timeZone } : {}),
  }).format(date);
}

/** YYYY-MM-DD HH:MM:SS in the formatter's zone. */
export function formatDateTime(at: string | number, fmt: Pick<Formatter, "timeZone">): string {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return String(at);
  const parts = new Intl.DateTimeFormat("en-CA", {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    ...(fmt.timeZone ? { timeZone: fmt.timeZone } : {}),
  }).format(date);
  return `${parts} ${formatClock(date, fmt)}`;
}

/** Columns padded to their widest cell; the header dimmed. */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  style: Style,
): string {
  const widths = headers.map((header, i) =>
    Math.max(visibleLength(header), ...rows.map((row) => visibleLength(row[i] ?? ""))),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) =>
        i === cells.length - 1 ? cell : cell + " ".repeat((widths[i] ?? 0) - visibleLength(cell)),
      )
      .join("  ")
      .trimEnd();
  return [style.dim(line(headers)), ...rows.map(line)].join("\n");
}

/** Aligned `key  value` lines. */
export function renderFields(fields: readonly (readonly [string, string])[], style: Style): string {
  const width = Math.max(...fields.map(([key]) => key.length));
  return fields.map(([key, value]) => `${style.dim(key.padEnd(width))}  ${value}`).join("\n");
}

/** Cuts a line to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text;
}
