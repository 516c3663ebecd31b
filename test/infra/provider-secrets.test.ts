import { Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../lib/config.ts";
import { pacerApp } from "./support.ts";

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pacer/openf1-AbCdEf";

describe("providerSecrets", () => {
  it("hands the worker its provider's secret and lets only that worker read it", () => {
    const stacks = pacerApp({ providerSecrets: { openf1: SECRET_ARN } });
    const template = Template.fromStack(stacks.stateless);
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ PACER_OPENF1_CREDENTIALS_SECRET: SECRET_ARN }) },
    });
    const readers = Object.values(template.findResources("AWS::IAM::Policy")).filter((policy) =>
      JSON.stringify(policy).includes("secretsmanager:GetSecretValue"),
    );
    expect(readers).toHaveLength(1);
    expect(JSON.stringify(readers[0])).toContain(SECRET_ARN);
  });

  it("sets no secret variable when none is configured", () => {
    const template = Template.fromStack(pacerApp({}).stateless);
    expect(JSON.stringify(template.toJSON())).not.toContain("CREDENTIALS_SECRET");
  });

  it("rejects secrets for unknown providers and malformed ids", () => {
    expect(() => resolveConfig({ providerSecrets: { nope: "x", openf1: "not a secret!" } })).toThrow(
      /unknown provider "nope"[\s\S]*providerSecrets\.openf1 must be a secret name or ARN/,
    );
  });
});
