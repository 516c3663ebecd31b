import { ArnFormat, Stack, Validations } from "aws-cdk-lib";
import type { IRole } from "aws-cdk-lib/aws-iam";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { ENV } from "#core/env.ts";
import type { PacerFunction } from "./pacer-function.ts";

/**
 * What the REST API needs to manage connections at run time: where their secrets go, the key of
 * credential fingerprints, and the Scheduler group, role and DLQ of their schedules.
 */
export interface ConnectionResources {
  /** Connections' secrets are named `<secretPrefix><connectionId>`; unique to the deployment. */
  readonly secretPrefix: string;
  /** `{"key"}`: the key of credential fingerprints and budget keys (kept by the stateful stack). */
  readonly fingerprintKey: ISecret;
  /** The Scheduler group of connections' schedules (a plain name, known at synth). */
  readonly scheduleGroupName: string;
  /** The role those schedules' deliveries run as. */
  readonly scheduleTargetRole: IRole;
  /** Where deliveries that exhausted their retries go. */
  readonly scheduleDeadLetterQueue: IQueue;
}

/** `arn:…:secretsmanager:<region>:<account>:secret:<prefix>*`: every connection secret, and nothing else. */
export function connectionSecretsArn(scope: Construct, secretPrefix: string): string {
  return Stack.of(scope).formatArn({
    service: "secretsmanager",
    resource: "secret",
    resourceName: `${secretPrefix}*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** `arn:…:scheduler:<region>:<account>:schedule/<group>/*`: the schedules of one group. */
export function groupSchedulesArn(scope: Construct, groupName: string): string {
  return Stack.of(scope).formatArn({
    service: "scheduler",
    resource: "schedule",
    resourceName: `${groupName}/*`,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/** The REST API's variables naming those resources (give them to PacerFunction, which checks them). */
export function connectionAdminEnvironment(resources: ConnectionResources): Record<string, string> {
  return {
    [ENV.secretPrefix]: resources.secretPrefix,
    [ENV.fingerprintKeySecret]: resources.fingerprintKey.secretArn,
    [ENV.scheduleGroup]: resources.scheduleGroupName,
    [ENV.schedulerRoleArn]: resources.scheduleTargetRole.roleArn,
    [ENV.scheduleDlqArn]: resources.scheduleDeadLetterQueue.queueArn,
  };
}

/**
 * Lets the REST API manage connections: create, replace and delete their secrets (never read
 * them), read the fingerprint key, create and delete schedules in the connections group only,
 * list schedule names (to find a deleted or disabled connection's live windows; ListSchedules
 * has no resource-level permissions), and hand Scheduler the connections' target role (and no
 * other role, to no other service).
 */
export function grantConnectionAdmin(fn: PacerFunction, resources: ConnectionResources): void {
  const secrets = connectionSecretsArn(fn, resources.secretPrefix);
  const schedules = groupSchedulesArn(fn, resources.scheduleGroupName);
  fn.addToRolePolicy(
    new PolicyStatement({
      // CreateSecret with tags needs TagResource too.
      actions: [
        "secretsmanager:CreateSecret",
        "secretsmanager:PutSecretValue",
        "secretsmanager:DeleteSecret",
        "secretsmanager:TagResource",
        "secretsmanager:DescribeSecret",
      ],
      resources: [secrets],
    }),
  );
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: ["secretsmanager:GetSecretValue"],
      resources: [resources.fingerprintKey.secretArn],
    }),
  );
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: [
        "scheduler:CreateSchedule",
        "scheduler:UpdateSchedule",
        "scheduler:DeleteSchedule",
        "scheduler:GetSchedule",
      ],
      resources: [schedules],
    }),
  );
  fn.addToRolePolicy(new PolicyStatement({ actions: ["scheduler:ListSchedules"], resources: ["*"] }));
  Validations.of(fn.executionRole).acknowledge({
    id: "AwsSolutions-IAM5[Resource::*]",
    reason:
      "Besides X-Ray, the REST API lists schedule names with scheduler:ListSchedules, which supports no resource-level permissions (it reveals names, never inputs), to delete a deleted or disabled connection's live-window schedules (named at run time by the worker); every write is scoped to the connections group.",
  });
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: ["iam:PassRole"],
      resources: [resources.scheduleTargetRole.roleArn],
      conditions: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
    }),
  );
  acknowledgeWildcard(
    fn,
    secrets,
    `Connection secrets are named at run time (<prefix><connectionId>, the id minted by POST /connections) and Secrets Manager appends a random suffix: the wildcard covers exactly this deployment's prefix "${resources.secretPrefix}", and the API may create, replace and delete those secrets but never read them.`,
  );
  acknowledgeWildcard(
    fn,
    schedules,
    `Connection schedules are named at run time (<connectionId>.<syncType>): the wildcard covers only the schedules of Pacer's own group "${resources.scheduleGroupName}", no other group's.`,
  );
}

/** Lets a worker read connections' credentials (GetSecretValue on the prefix only); it learns the prefix from `PACER_SECRET_PREFIX`. */
export function grantConnectionSecretsRead(fn: PacerFunction, secretPrefix: string): void {
  const secrets = connectionSecretsArn(fn, secretPrefix);
  fn.addToRolePolicy(
    new PolicyStatement({ actions: ["secretsmanager:GetSecretValue"], resources: [secrets] }),
  );
  acknowledgeWildcard(
    fn,
    secrets,
    `Connection secrets are named at run time (<prefix><connectionId>) and Secrets Manager appends a random suffix: the wildcard covers exactly this deployment's prefix "${secretPrefix}", read-only.`,
  );
}

/** cdk-nag names a wildcard resource as CloudFormation spells it: `<Logical.Attr>` for references, `<AWS::Region>` for pseudo parameters. */
function acknowledgeWildcard(fn: PacerFunction, arn: string, reason: string): void {
  const resolved: unknown = Stack.of(fn).resolve(arn);
  const resource = nagResource(resolved);
  if (resource === undefined) throw new Error(`cannot name ${JSON.stringify(resolved)} for cdk-nag`);
  Validations.of(fn.executionRole).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
}

/** cdk-nag's spelling of a resolved value: strings as they are, `Ref`s as `<Name>`, joins joined. */
function nagResource(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value !== "object" || value === null) return undefined;
  if ("Ref" in value) return `<${String((value as { Ref: string }).Ref)}>`;
  if ("Fn::Join" in value) {
    const [separator, parts] = (value as { "Fn::Join": [string, unknown[]] })["Fn::Join"];
    const spelled = parts.map(nagResource);
    return spelled.every((p) => p !== undefined) ? spelled.join(separator) : undefined;
  }
  return undefined;
}
