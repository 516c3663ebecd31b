/**
 * The stand-in's own log lines. They go to stderr: stdout is the machine-readable channel that
 * carries only `PACER_READY` and `PACER_SUMMARY`.
 */
export interface LocalLog {
  /** Lifecycle lines a person starting the stack wants to see. */
  info(message: string): void;
  /** Per-invocation detail, shown with `--verbose`. */
  debug(message: string): void;
  warn(message: string, error?: unknown): void;
  /** A dependency came back (the counterpart of a warning): shown even when quiet. */
  notice(message: string): void;
}

export interface LogOptions {
  readonly verbose?: boolean;
  /** Only warnings: what integration tests want. */
  readonly quiet?: boolean;
}

export function createLog({ verbose = false, quiet = false }: LogOptions = {}): LocalLog {
  const write = (line: string) => process.stderr.write(`[pacer-local] ${line}\n`);
  return {
    info: (message) => {
      if (!quiet) write(message);
    },
    debug: (message) => {
      if (verbose) write(message);
    },
    warn: (message, error) =>
      write(error === undefined ? `WARN ${message}` : `WARN ${message}: ${describe(error)}`),
    notice: (message) => write(message),
  };
}

/** An error's name and message, and those of the errors it wraps (batch processors collect them). */
export function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const inner =
    (error as { recordErrors?: unknown }).recordErrors ?? (error as Partial<AggregateError>).errors;
  const causes = Array.isArray(inner) ? inner : error.cause !== undefined ? [error.cause] : [];
  const text = `${error.name}: ${error.message}`;
  return causes.length === 0 ? text : `${text} [${causes.map(describe).join("; ")}]`;
}
