import type { App, StackProps } from "aws-cdk-lib";
import { catalog as defaultCatalog } from "#catalog/index.ts";
import type { Catalog } from "#catalog/types.ts";
import type { PacerConfig } from "./config.ts";
import { PacerStatefulStack } from "./stacks/stateful-stack.ts";
import { PacerStatelessStack } from "./stacks/stateless-stack.ts";

export interface PacerStacks {
  readonly stateful: PacerStatefulStack;
  readonly stateless: PacerStatelessStack;
}

export interface ComposePacerOptions {
  /** @default the catalog in functions/catalog */
  readonly catalog?: Catalog;
  /**
   * Passed to both stacks (e.g. `env`, `tags`).
   * @default - environment-agnostic stacks
   */
  readonly stackProps?: StackProps;
}

/** The two stacks, linked by typed props. Shared by bin/pacer.ts and the infra tests. */
export function composePacer(app: App, config: PacerConfig, options: ComposePacerOptions = {}): PacerStacks {
  const catalog = options.catalog ?? defaultCatalog;
  const stateful = new PacerStatefulStack(app, "PacerStateful", {
    ...options.stackProps,
    description: "Pacer: tables, job queues and identity (stateful)",
    config,
    catalog,
  });
  const stateless = new PacerStatelessStack(app, "PacerStateless", {
    ...options.stackProps,
    description: "Pacer: workers, APIs, schedules and observability (stateless)",
    config,
    catalog,
    tables: stateful.tables,
    queues: stateful.queues,
    authSettings: stateful.authSettings,
    fingerprintKey: stateful.fingerprintKey,
  });
  return { stateful, stateless };
}
