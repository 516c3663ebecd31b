import { App, Stack, Validations } from "aws-cdk-lib";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { pacerApp } from "./support.ts";

/** Violations as "rule at path" lines, so a failure says exactly what to fix. */
function describeViolations(report: ReturnType<AwsSolutionsChecks["validateScope"]>): string[] {
  return report.violations.flatMap((v) =>
    v.violatingResources.map(
      (r) => `${v.severity} ${v.ruleName} at ${r.constructPath ?? r.resourceLogicalId}`,
    ),
  );
}

describe("cdk-nag AwsSolutions", () => {
  let app: App;
  let synthError: unknown;

  beforeAll(() => {
    // Prepare: the app as bin/pacer.ts builds it, with the same plugin registration.
    app = pacerApp({ alarmEmail: "ops@example.com" }).app;
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // Act: an in-memory synth throws with the report when a plugin finds anything.
    try {
      app.synth();
    } catch (error) {
      synthError = error;
    }
  }, 60_000);

  it("lets synth pass the AwsSolutions validation", () => {
    expect(synthError).toBeUndefined();
  });

  it("finds no unacknowledged rule, error or warning, anywhere in the app", () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(describeViolations(report)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it("would catch a finding (the check is live, not vacuous)", () => {
    // Prepare: a queue with neither TLS enforcement nor a DLQ.
    const scratch = new App();
    new Queue(new Stack(scratch, "Scratch"), "Careless", { enforceSSL: false });
    Validations.of(scratch).addPlugins(new AwsSolutionsChecks(scratch));

    // Act
    const report = new AwsSolutionsChecks().validateScope(scratch);

    // Assess
    expect(() => scratch.synth()).toThrow(/AwsSolutions-SQS3/);
    expect(describeViolations(report)).toEqual(
      expect.arrayContaining([
        "error AwsSolutions-SQS3 at Scratch/Careless/Resource",
        "error AwsSolutions-SQS4 at Scratch/Careless/Resource",
      ]),
    );
  });

  it("acknowledges every suppressed rule with a written reason", () => {
    const reasons = app.node
      .findAll()
      .flatMap((c) => c.node.metadata)
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(reasons.length).toBeGreaterThan(0);
    for (const [id, reason] of reasons) {
      expect(reason.length, id).toBeGreaterThan(40);
    }
  });
});
