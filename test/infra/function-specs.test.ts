import { Template } from "aws-cdk-lib/assertions";
import type { Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { catalog } from "#catalog/index.ts";
import { ENV, requiredEnv } from "#core/env.ts";
import { FUNCTIONS, type FunctionSpec, workerSpec } from "#core/functions.ts";
import type { PacerStacks } from "../../lib/pacer-app.ts";
import { logicalId, pacerApp } from "./support.ts";

let stacks: PacerStacks;
let template: Template;

beforeAll(() => {
  stacks = pacerApp({});
  template = Template.fromStack(stacks.stateless);
}, 60_000);

/** Every deployed function beside the spec it should have been made from. */
function deployed(): [FunctionSpec, LambdaFunction][] {
  const s = stacks.stateless;
  return [
    [FUNCTIONS.api, s.restApi.handler],
    [FUNCTIONS.websocket, s.webSocketApi.handler],
    [FUNCTIONS.broadcaster, s.webSocketApi.broadcaster],
    [FUNCTIONS.authorizer, s.authorizer.function],
    [FUNCTIONS.freshness, s.freshness.function],
    [FUNCTIONS.sweeper, s.sweeper.function],
    [FUNCTIONS.raceClock, s.raceClock.function],
    ...catalog.providers.map((p): [FunctionSpec, LambdaFunction] => {
      const worker = s.workers.functions.get(p.id);
      if (!worker) throw new Error(`no worker for ${p.id}`);
      return [workerSpec(p), worker];
    }),
  ];
}

describe("the deployed functions", () => {
  it("each run with the timeout, memory and description of its spec and get every variable it requires", () => {
    // Prepare
    const functions = deployed();
    // Act
    const resources = functions.map(([spec, fn]) => ({
      spec,
      props: template.toJSON().Resources[logicalId(stacks.stateless, fn)].Properties,
    }));
    // Assess
    expect(resources).toHaveLength(Object.keys(FUNCTIONS).length + catalog.providers.length);
    for (const { spec, props } of resources) {
      expect({ name: spec.name, timeout: props.Timeout, memory: props.MemorySize }).toEqual({
        name: spec.name,
        timeout: spec.timeoutSeconds,
        memory: spec.memoryMb,
      });
      expect(props.Description).toBe(spec.description);
      expect(Object.keys(props.Environment.Variables)).toEqual(expect.arrayContaining(requiredEnv(spec.env)));
    }
  });

  it("never carry a limit time scale or a widened margin: both are the local stand-in's alone", () => {
    // Act
    const environments = deployed().map(
      ([, fn]) =>
        template.toJSON().Resources[logicalId(stacks.stateless, fn)].Properties.Environment.Variables,
    );
    // Assess
    for (const variables of environments) {
      expect(Object.keys(variables)).not.toContain(ENV.limitTimeScale);
      expect(Object.keys(variables)).not.toContain(ENV.limitMarginMs);
    }
  });
});
