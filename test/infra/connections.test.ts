import { Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import type { PacerStacks } from "../../lib/pacer-app.ts";
import { importOf, logicalId, pacerApp, resourcesOf } from "./support.ts";

/**
 * What connections made at run time may touch: the acceptance criteria "the template lets the API
 * create and delete schedules only in Pacer's own schedule group(s), and read or write only
 * Pacer's own secrets", and the workers' read of connection credentials.
 */

interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

let stacks: PacerStacks;
let stateful: Template;
let stateless: Template;

beforeAll(() => {
  stacks = pacerApp({});
  stateful = Template.fromStack(stacks.stateful);
  stateless = Template.fromStack(stacks.stateless);
}, 60_000);

const PREFIX = "pacer/PacerStateless/connections/";
const CONNECTION_SECRETS = `arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${PREFIX}*`;
const CONNECTION_SCHEDULES =
  "arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/pacer-connections/*";

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

function statementsOf(role: IConstruct): Statement[] {
  const roleRef = JSON.stringify({ Ref: logicalId(stacks.stateless, role) });
  // A role's statements past IAM's inline size are in customer-managed "overflow" policies.
  const policies = [
    ...Object.values(resourcesOf(stateless, "AWS::IAM::Policy")),
    ...Object.values(resourcesOf(stateless, "AWS::IAM::ManagedPolicy")),
  ];
  return policies
    .filter((p) => ((p.Properties.Roles ?? []) as unknown[]).some((r) => JSON.stringify(r) === roleRef))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actionsOf = (s: Statement) => [s.Action].flat();
const resourcesIn = (s: Statement) => [s.Resource].flat().map(spell);
const touching = (statements: Statement[], service: string) =>
  statements.filter((s) => actionsOf(s).some((a) => a.startsWith(`${service}:`)));

function fingerprintKeyImport(): string {
  const id = logicalId(stacks.stateful, stacks.stateful.fingerprintKey);
  return spell(importOf(stateful, { Ref: id }));
}

function apiStatements(): Statement[] {
  return statementsOf(stacks.stateless.restApi.handler.executionRole);
}

describe("the fingerprint key", () => {
  it("is a generated {key} of 64 characters in the stateful stack, kept when the stack goes", () => {
    // Act
    const secrets = Object.values(resourcesOf(stateful, "AWS::SecretsManager::Secret"));

    // Assess
    expect(secrets).toHaveLength(1);
    expect(secrets[0]).toMatchObject({
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
      Properties: {
        GenerateSecretString: { SecretStringTemplate: "{}", GenerateStringKey: "key", PasswordLength: 64 },
      },
    });
    expect(resourcesOf(stateless, "AWS::SecretsManager::Secret")).toEqual({});
  });
});

describe("the REST API's access to connections' schedules", () => {
  it("creates, updates, reads and deletes schedules in the connections group only", () => {
    // Act: ListSchedules on "*" (AWS takes no resource for it) is test/infra/live-windows.test.ts's.
    const statements = touching(apiStatements(), "scheduler").filter((s) => s.Resource !== "*");

    // Assess
    expect(statements.flatMap(actionsOf).sort()).toEqual([
      "scheduler:CreateSchedule",
      "scheduler:DeleteSchedule",
      "scheduler:GetSchedule",
      "scheduler:UpdateSchedule",
    ]);
    for (const s of statements) expect(resourcesIn(s)).toEqual([CONNECTION_SCHEDULES]);
  });

  it("passes only the connections' target role, and only to Scheduler", () => {
    // Prepare
    const role = stacks.stateless.schedules.connectionTargetRole;

    // Act
    const passRole = apiStatements().filter((s) => actionsOf(s).some((a) => a.startsWith("iam:")));

    // Assess
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
    // Act
    const env =
      stateless.toJSON().Resources[logicalId(stacks.stateless, stacks.stateless.restApi.handler)].Properties
        .Environment.Variables;

    // Assess
    const schedules = stacks.stateless.schedules;
    expect(env).toMatchObject({
      PACER_SCHEDULE_GROUP: "pacer-connections",
      PACER_SCHEDULER_ROLE_ARN: {
        "Fn::GetAtt": [logicalId(stacks.stateless, schedules.connectionTargetRole), "Arn"],
      },
      PACER_SCHEDULE_DLQ_ARN: {
        "Fn::GetAtt": [logicalId(stacks.stateless, schedules.deadLetterQueue), "Arn"],
      },
    });
  });
});

describe("the REST API's access to secrets", () => {
  it("writes, tags, describes and deletes connection secrets under its prefix only, and never reads them", () => {
    // Act
    const statements = touching(apiStatements(), "secretsmanager");
    const onPrefix = statements.filter((s) => resourcesIn(s).includes(CONNECTION_SECRETS));

    // Assess
    expect(onPrefix.flatMap(actionsOf).sort()).toEqual([
      "secretsmanager:CreateSecret",
      "secretsmanager:DeleteSecret",
      "secretsmanager:DescribeSecret",
      "secretsmanager:PutSecretValue",
      "secretsmanager:TagResource",
    ]);
    for (const s of onPrefix) expect(resourcesIn(s)).toEqual([CONNECTION_SECRETS]);
  });

  it("reads one secret's value, the fingerprint key's, and is told its ARN and the prefix", () => {
    // Act
    const reads = touching(apiStatements(), "secretsmanager").filter((s) =>
      actionsOf(s).includes("secretsmanager:GetSecretValue"),
    );
    const env =
      stateless.toJSON().Resources[logicalId(stacks.stateless, stacks.stateless.restApi.handler)].Properties
        .Environment.Variables;

    // Assess
    expect(reads).toHaveLength(1);
    expect(actionsOf(reads[0] as Statement)).toEqual(["secretsmanager:GetSecretValue"]);
    expect(resourcesIn(reads[0] as Statement)).toEqual([fingerprintKeyImport()]);
    expect(env.PACER_SECRET_PREFIX).toBe(PREFIX);
    expect(spell(env.PACER_FINGERPRINT_KEY_SECRET)).toBe(fingerprintKeyImport());
  });
});

describe("the workers' access to secrets", () => {
  it("may only read connection secrets under the prefix, and are told the prefix", () => {
    for (const [provider, worker] of stacks.stateless.workers.functions) {
      // Act
      const statements = touching(statementsOf(worker.executionRole), "secretsmanager");
      const env =
        stateless.toJSON().Resources[logicalId(stacks.stateless, worker)].Properties.Environment.Variables;

      // Assess
      expect(statements.flatMap(actionsOf), provider).toEqual(["secretsmanager:GetSecretValue"]);
      expect(statements.flatMap(resourcesIn), provider).toEqual([CONNECTION_SECRETS]);
      expect(env.PACER_SECRET_PREFIX, provider).toBe(PREFIX);
    }
  });
});

describe("every other function", () => {
  it("has no access to secrets, schedules or role passing at all", () => {
    // Prepare
    const privileged = new Set(
      [stacks.stateless.restApi.handler, ...stacks.stateless.workers.functions.values()].map((fn) =>
        JSON.stringify({ Ref: logicalId(stacks.stateless, fn.executionRole) }),
      ),
    );

    // Act
    const others = Object.values(resourcesOf(stateless, "AWS::IAM::Policy")).filter(
      (p) => !(p.Properties.Roles as unknown[]).some((r) => privileged.has(JSON.stringify(r))),
    );

    // Assess
    expect(others.length).toBeGreaterThan(0);
    for (const policy of others) {
      const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
      for (const service of ["secretsmanager", "scheduler", "iam"]) {
        expect(touching(statements, service), JSON.stringify(policy.Properties.Roles)).toEqual([]);
      }
    }
  });
});
