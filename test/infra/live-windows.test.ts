import { type App, Validations } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import type { PacerStacks } from "../../lib/pacer-app.ts";
import { logicalId, pacerApp, resourcesOf } from "./support.ts";

/**
 * What the workers of providers with windowed sync types (OpenF1's real-time tier) may do with
 * live-window schedules, once the stack hands them the schedules (`workers.manageLiveWindows`),
 * and what the REST API may, which deletes them with their connection.
 */

interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

const CONNECTION_SCHEDULES =
  "arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/pacer-connections/*";

/** An app as bin/pacer.ts builds it, with the workers managing live windows. */
function appWithLiveWindows(): PacerStacks & { app: App } {
  const built = pacerApp({});
  built.stateless.workers.manageLiveWindows(built.stateless.schedules);
  return built;
}

/** A CloudFormation value as one string: joins joined, references as `<Name>`, anything else as JSON. */
function spell(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "object" && value !== null && "Ref" in value)
    return `<${(value as { Ref: string }).Ref}>`;
  if (typeof value === "object" && value !== null && "Fn::Join" in value) {
    const [separator, parts] = (value as { "Fn::Join": [string, unknown[]] })["Fn::Join"];
    return parts.map(spell).join(separator);
  }
  return JSON.stringify(value);
}

let stacks: PacerStacks;
let stateless: Template;

beforeAll(() => {
  stacks = appWithLiveWindows();
  stateless = Template.fromStack(stacks.stateless);
}, 60_000);

function statementsOf(role: IConstruct): Statement[] {
  const roleRef = JSON.stringify({ Ref: logicalId(stacks.stateless, role) });
  const policies = [
    ...Object.values(resourcesOf(stateless, "AWS::IAM::Policy")),
    ...Object.values(resourcesOf(stateless, "AWS::IAM::ManagedPolicy")),
  ];
  return policies
    .filter((p) => ((p.Properties.Roles ?? []) as unknown[]).some((r) => JSON.stringify(r) === roleRef))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actionsOf = (s: Statement) => [s.Action].flat();
const touching = (statements: Statement[], prefix: string) =>
  statements.filter((s) => actionsOf(s).some((a) => a.startsWith(prefix)));

function worker(provider: string) {
  const fn = stacks.stateless.workers.functions.get(provider);
  if (!fn) throw new Error(`no ${provider} worker`);
  return fn;
}

function environmentOf(provider: string): Record<string, unknown> {
  return stateless.toJSON().Resources[logicalId(stacks.stateless, worker(provider))].Properties.Environment
    .Variables;
}

describe("the OpenF1 worker's live-window schedules", () => {
  it("creates, updates and deletes schedules in the connections group only", () => {
    // Act
    const writes = touching(statementsOf(worker("openf1").executionRole), "scheduler:").filter((s) =>
      actionsOf(s).some((a) => a !== "scheduler:ListSchedules"),
    );

    // Assess
    expect(writes.flatMap(actionsOf).sort()).toEqual([
      "scheduler:CreateSchedule",
      "scheduler:DeleteSchedule",
      "scheduler:UpdateSchedule",
    ]);
    for (const s of writes) expect([s.Resource].flat().map(spell)).toEqual([CONNECTION_SCHEDULES]);
  });

  it("lists schedules, the one action on Resource '*' besides X-Ray's", () => {
    const wildcard = statementsOf(worker("openf1").executionRole).filter((s) => s.Resource === "*");

    expect(wildcard.flatMap(actionsOf).sort()).toEqual(
      ["scheduler:ListSchedules", "xray:PutTelemetryRecords", "xray:PutTraceSegments"].sort(),
    );
  });

  it("passes only the connections' target role, and only to Scheduler", () => {
    const role = stacks.stateless.schedules.connectionTargetRole;

    const passRole = touching(statementsOf(worker("openf1").executionRole), "iam:");

    expect(passRole).toEqual([
      {
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: { "Fn::GetAtt": [logicalId(stacks.stateless, role), "Arn"] },
        Condition: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
      },
    ]);
  });

  it("is told the group, the role and the delivery DLQ its schedules use", () => {
    const schedules = stacks.stateless.schedules;

    expect(environmentOf("openf1")).toMatchObject({
      PACER_SCHEDULE_GROUP: "pacer-connections",
      PACER_SCHEDULER_ROLE_ARN: {
        "Fn::GetAtt": [logicalId(stacks.stateless, schedules.connectionTargetRole), "Arn"],
      },
      PACER_SCHEDULE_DLQ_ARN: {
        "Fn::GetAtt": [logicalId(stacks.stateless, schedules.deadLetterQueue), "Arn"],
      },
    });
  });

  it("gives a worker without windowed sync types no Scheduler access at all", () => {
    const zwiftracing = statementsOf(worker("zwiftracing").executionRole);

    expect(touching(zwiftracing, "scheduler:")).toEqual([]);
    expect(touching(zwiftracing, "iam:")).toEqual([]);
    expect(environmentOf("zwiftracing")).not.toHaveProperty("PACER_SCHEDULE_GROUP");
  });

  it("changes nothing when the schedules are handed over again", () => {
    const before = statementsOf(worker("openf1").executionRole).length;

    stacks.stateless.workers.manageLiveWindows(stacks.stateless.schedules);

    expect(statementsOf(worker("openf1").executionRole)).toHaveLength(before);
  });
});

describe("the REST API's share of live-window schedules", () => {
  it("lists schedules, its one action on Resource '*' besides X-Ray's, to delete a connection's windows", () => {
    // Act
    const wildcard = statementsOf(stacks.stateless.restApi.handler.executionRole).filter(
      (s) => s.Resource === "*",
    );

    // Assess
    expect(wildcard.flatMap(actionsOf).sort()).toEqual(
      ["scheduler:ListSchedules", "xray:PutTelemetryRecords", "xray:PutTraceSegments"].sort(),
    );
  });

  it("still writes schedules in the connections group only", () => {
    // Act
    const writes = touching(
      statementsOf(stacks.stateless.restApi.handler.executionRole),
      "scheduler:",
    ).filter((s) => s.Resource !== "*");

    // Assess
    expect(writes.flatMap(actionsOf)).toContain("scheduler:DeleteSchedule");
    for (const s of writes) expect([s.Resource].flat().map(spell)).toEqual([CONNECTION_SCHEDULES]);
  });
});

describe("cdk-nag with live windows", () => {
  it("finds no unacknowledged rule in the app whose workers manage live windows", () => {
    // Prepare
    const { app } = appWithLiveWindows();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // Act
    let synthError: unknown;
    try {
      app.synth();
    } catch (error) {
      synthError = error;
    }
    const report = new AwsSolutionsChecks().validateScope(app);

    // Assess
    expect(synthError).toBeUndefined();
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  }, 60_000);
});
