/**
 * What a command can fail with. Every error says what went wrong and, where there is one, what
 * to do next (`hint`); the exit code follows from the kind: 2 for a command line the user can
 * fix, 1 for everything else (a failed job, an unreachable stack, a refused token).
 */
export class CliError extends Error {
  override readonly name: string = "CliError";
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** The command line is wrong: a missing argument, an unknown option, a value the API refused as malformed. */
export class UsageError extends CliError {
  override readonly name = "UsageError";
  constructor(message: string, hint?: string) {
    super(message, hint, 2);
  }
}

/** The user stopped a prompt (Ctrl-C): no message, the shell's usual 130. */
export class InterruptedError extends CliError {
  override readonly name = "InterruptedError";
  constructor() {
    super("interrupted", undefined, 130);
  }
}
