/** What to do, last first, when a change fails partway; each step is tried once, failures reported. */
export class UndoLog {
  private readonly steps: { what: string; step: () => Promise<unknown> }[] = [];
  constructor(private readonly deps: { readonly onUndoFailed?: (step: string, error: unknown) => void }) {}
  push(what: string, step: () => Promise<unknown>): void {
    this.steps.push({ what, step });
  }
  async run(): Promise<void> {
    for (const { what, step } of [...this.steps].reverse()) {
      try {
        await step();
      } catch (error) {
        this.deps.onUndoFailed?.(what, error);
      }
    }
  }
}
