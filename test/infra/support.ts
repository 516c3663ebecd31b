import { readFileSync } from "node:fs";
import { join } from "node:path";
import { App, type CfnElement, type Stack } from "aws-cdk-lib";
import type { Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { type PacerConfigInput, resolveConfig } from "../../lib/config.ts";
import { REPO_ROOT } from "../../lib/constructs/pacer-function.ts";
import { composePacer, type PacerStacks } from "../../lib/pacer-app.ts";

/** The app's own context (feature flags, default `pacer` config) from cdk.json. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, "cdk.json"), "utf8")) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/**
 * A Pacer app as bin/pacer.ts builds it, from `input` instead of cdk.json's `pacer` key.
 * `bundle: false` skips esbuild (CDK's documented `aws:cdk:bundling-stacks` switch), which is
 * what keeps property tests fast; test/infra/synth.test.ts covers real bundling.
 */
export function pacerApp(
  input: PacerConfigInput,
  options: { bundle?: boolean } = {},
): PacerStacks & { app: App } {
  const { pacer: _ignored, ...context } = cdkJsonContext();
  const app = new App({
    context: { ...context, ...(options.bundle ? {} : { "aws:cdk:bundling-stacks": [] }) },
  });
  return { app, ...composePacer(app, resolveConfig(input)) };
}

/** The logical id a construct's CloudFormation resource gets in its stack. */
export function logicalId(stack: Stack, construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

/**
 * How the consumer stack spells a value the producer exports: the `Fn::ImportValue` of the
 * producer output whose value is `value` (e.g. `{ "Fn::GetAtt": [queueId, "Arn"] }`).
 */
export function importOf(producer: Template, value: unknown): { "Fn::ImportValue": string } {
  const outputs = producer.toJSON().Outputs as Record<string, { Value: unknown; Export?: { Name: string } }>;
  const match = Object.values(outputs).find((o) => JSON.stringify(o.Value) === JSON.stringify(value));
  if (!match?.Export) throw new Error(`no export of ${JSON.stringify(value)}`);
  return { "Fn::ImportValue": match.Export.Name };
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly DependsOn?: string[];
}

export function resourcesOf(template: Template, type: string): Record<string, CfnResource> {
  return template.findResources(type) as Record<string, CfnResource>;
}
