/** Small helpers for lines a person reads on a terminal. */

export interface Colors {
  readonly plain: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly red: (text: string) => string;
  readonly green: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly cyan: (text: string) => string;
  readonly magenta: (text: string) => string;
}

const sgr = (code: number) => (text: string) => `\u001b[${code}m${text}\u001b[0m`;
const same = (text: string) => text;

const ANSI: Colors = {
  plain: same,
  dim: sgr(2),
  red: sgr(31),
  green: sgr(32),
  yellow: sgr(33),
  cyan: sgr(36),
  magenta: sgr(35),
};
const NONE: Colors = {
  plain: same,
  dim: same,
  red: same,
  green: same,
  yellow: same,
  cyan: same,
  magenta: same,
};

export function colors(enabled: boolean): Colors {
  return enabled ? ANSI : NONE;
}

/** `HH:MM:SS` in local time (what the wall clock shows); `--:--:--` for an unreadable time. */
export function clockTime(at: string | number): string {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return "--:--:--";
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** `0.4 s`, `12.3 s`, `4 min 5 s`, `2 h 5 min`. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}
