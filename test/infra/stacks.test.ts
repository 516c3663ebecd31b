import { Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import { catalog } from "#catalog/index.ts";
import { PRIORITIES } from "#catalog/types.ts";
import { FUNCTIONS } from "#core/functions.ts";
import { TABLES, WORKER_TIMEOUT_SECONDS } from "#core/resources.ts";
import type { PacerConfigInput } from "../../lib/config.ts";
import type { PacerStacks } from "../../lib/pacer-app.ts";
import { importOf, logicalId, pacerApp, resourcesOf } from "./support.ts";

const TEST_CONFIG: PacerConfigInput = {
  alarmEmail: "ops@example.com",
  providerBaseUrls: { openf1: "https://sandbox.openf1.example" },
  logRetention: 14,
};

let stacks: PacerStacks;
let stateful: Template;
let stateless: Template;

beforeAll(() => {
  stacks = pacerApp(TEST_CONFIG);
  stateful = Template.fromStack(stacks.stateful);
  stateless = Template.fromStack(stacks.stateless);
}, 60_000);

/** The stateless stack's reference to a stateful queue's ARN. */
function queueArnImport(provider: string, priority: (typeof PRIORITIES)[number], dlq = false) {
  const q = stacks.stateful.queues.forProvider(provider)[priority];
  const id = logicalId(stacks.stateful, dlq ? q.deadLetterQueue : q.queue);
  return importOf(stateful, { "Fn::GetAtt": [id, "Arn"] });
}

describe("PacerStatefulStack tables", () => {
  it("gives the data table a NEW_AND_OLD_IMAGES stream, TTL, PITR and on-demand billing, and keeps it", () => {
    const id = logicalId(stacks.stateful, stacks.stateful.tables.data.table);
    const data = stateful.toJSON().Resources[id];
    expect(data.DeletionPolicy).toBe("Retain");
    expect(data.Properties).toMatchObject({
      StreamSpecification: { StreamViewType: "NEW_AND_OLD_IMAGES" },
      TimeToLiveSpecification: { AttributeName: TABLES.data.ttlAttribute, Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      BillingMode: "PAY_PER_REQUEST",
      SSESpecification: { SSEEnabled: true },
      DeletionProtectionEnabled: true,
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
    });
  });

  it("creates every table in TABLES from its spec (limiter included), streams only where the spec says", () => {
    for (const [key, spec] of Object.entries(TABLES)) {
      const id = logicalId(stacks.stateful, stacks.stateful.tables[key as keyof typeof TABLES].table);
      const props = stateful.toJSON().Resources[id].Properties;
      expect(props.KeySchema[0], key).toEqual({ AttributeName: spec.partitionKey, KeyType: "HASH" });
      expect(props.TimeToLiveSpecification, key).toEqual({ AttributeName: spec.ttlAttribute, Enabled: true });
      expect(props.StreamSpecification !== undefined, key).toBe("stream" in spec);
    }
    expect(TABLES.limiter.partitionKey).toBe("pk");
  });
});

describe("PacerStatefulStack queues", () => {
  it("gives every provider high, normal and low queues, each redriving to its own DLQ", () => {
    for (const provider of catalog.providers) {
      for (const priority of PRIORITIES) {
        const q = stacks.stateful.queues.forProvider(provider.id)[priority];
        const queue = stateful.toJSON().Resources[logicalId(stacks.stateful, q.queue)];
        const dlqId = logicalId(stacks.stateful, q.deadLetterQueue);
        expect(queue.Properties).toMatchObject({
          QueueName: `pacer-${provider.id}-${priority}`,
          VisibilityTimeout: WORKER_TIMEOUT_SECONDS * 6,
          SqsManagedSseEnabled: true,
          RedrivePolicy: { deadLetterTargetArn: { "Fn::GetAtt": [dlqId, "Arn"] }, maxReceiveCount: 5 },
        });
        expect(stateful.toJSON().Resources[dlqId].Properties).toMatchObject({
          QueueName: `pacer-${provider.id}-${priority}-dlq`,
          MessageRetentionPeriod: 14 * 24 * 3600,
          SqsManagedSseEnabled: true,
        });
      }
    }
    const dlqTargets = Object.values(resourcesOf(stateful, "AWS::SQS::Queue"))
      .map((q) =>
        JSON.stringify(
          (q.Properties.RedrivePolicy as { deadLetterTargetArn?: unknown })?.deadLetterTargetArn,
        ),
      )
      .filter((t) => t !== undefined);
    expect(new Set(dlqTargets).size).toBe(dlqTargets.length);
    expect(dlqTargets.length).toBe(3 * catalog.providers.length);
  });

  it("denies every queue's use without TLS", () => {
    const policies = Object.values(resourcesOf(stateful, "AWS::SQS::QueuePolicy"));
    expect(policies).toHaveLength(6 * catalog.providers.length);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument).toMatchObject({
        Statement: [{ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }],
      });
    }
  });
});

describe("PacerStatefulStack identity", () => {
  it("creates a user pool with an immutable tenant_id, a strong password policy and required MFA", () => {
    stateful.hasResource("AWS::Cognito::UserPool", {
      DeletionPolicy: "Retain",
      Properties: Match.objectLike({
        Schema: Match.arrayWith([
          Match.objectLike({ Name: "tenant_id", Mutable: false, AttributeDataType: "String" }),
        ]),
        Policies: {
          PasswordPolicy: Match.objectLike({
            MinimumLength: 14,
            RequireUppercase: true,
            RequireLowercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
          }),
        },
        MfaConfiguration: "ON",
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      }),
    });
    stateful.hasResourceProperties("AWS::Cognito::UserPoolClient", {
      GenerateSecret: false,
      WriteAttributes: Match.not(Match.arrayWith(["custom:tenant_id"])),
    });
  });
});

/** The statements of the inline policies attached to `role`. */
function statementsOf(role: IConstruct): { Action: unknown; Resource: unknown; Condition?: unknown }[] {
  const roleRef = JSON.stringify({ Ref: logicalId(stacks.stateless, role) });
  // A role's statements past IAM's inline size are in customer-managed "overflow" policies.
  const policies = [
    ...Object.values(resourcesOf(stateless, "AWS::IAM::Policy")),
    ...Object.values(resourcesOf(stateless, "AWS::IAM::ManagedPolicy")),
  ];
  return policies
    .filter((p) => ((p.Properties.Roles ?? []) as unknown[]).some((r) => JSON.stringify(r) === roleRef))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: [] }).Statement);
}

describe("PacerStatelessStack schedules", () => {
  it("deploys no sync schedules: only the freshness monitor, the job sweep and the race clock, in group pacer", () => {
    // Act
    const schedules = Object.values(resourcesOf(stateless, "AWS::Scheduler::Schedule"));

    // Assess: connections' schedules are created at run time, never by a deploy.
    expect(schedules.map((s) => s.Properties.Name).sort()).toEqual([
      "pacer-freshness-monitor",
      "pacer-job-sweeper",
      "pacer-race-clock",
    ]);
    for (const s of schedules) {
      expect(s.Properties).toMatchObject({
        GroupName: "pacer",
        FlexibleTimeWindow: { Mode: "OFF" },
        State: "ENABLED",
      });
      expect(JSON.stringify(s.Properties.Target)).not.toContain("Queue");
      expect(s.DependsOn).toEqual([logicalId(stacks.stateless, stacks.stateless.schedules.group)]);
    }
  });

  it("creates the connections' schedule group, pacer-connections, beside Pacer's own", () => {
    const groups = Object.values(resourcesOf(stateless, "AWS::Scheduler::ScheduleGroup"));
    expect(groups.map((g) => g.Properties.Name).sort()).toEqual(["pacer", "pacer-connections"]);
    expect(stacks.stateless.schedules.connectionsGroupName).toBe("pacer-connections");
  });

  it("lets connections' schedules deliver, as Scheduler of this account only, to every job queue and the delivery DLQ", () => {
    // Prepare
    const role = stacks.stateless.schedules.connectionTargetRole;
    const trust =
      stateless.toJSON().Resources[logicalId(stacks.stateless, role)].Properties.AssumeRolePolicyDocument;

    // Act
    const sendTargets = statementsOf(role)
      .filter((st) => JSON.stringify(st.Action).includes("sqs:SendMessage"))
      .flatMap((st) => [st.Resource].flat().map((r) => JSON.stringify(r)));

    // Assess
    expect(trust.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: "scheduler.amazonaws.com" },
        Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
      }),
    ]);
    const expected = [
      ...catalog.providers.flatMap((p) => PRIORITIES.map((priority) => queueArnImport(p.id, priority))),
      { "Fn::GetAtt": [logicalId(stacks.stateless, stacks.stateless.schedules.deadLetterQueue), "Arn"] },
    ].map((arn) => JSON.stringify(arn));
    expect(sendTargets.sort()).toEqual(expected.sort());
    expect(JSON.stringify(statementsOf(role))).not.toContain("kms:");
  });

  it("runs the freshness monitor every 5 minutes", () => {
    const monitor = stacks.stateless.node
      .findAll()
      .find((c) => c.node.path.endsWith("FreshnessMonitor/Function"));
    if (!monitor) throw new Error("no freshness monitor");
    stateless.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "rate(5 minutes)",
      Target: Match.objectLike({ Arn: { "Fn::GetAtt": [logicalId(stacks.stateless, monitor), "Arn"] } }),
    });
  });

  it("runs the lost-job sweep every 5 minutes, able to query only the open-jobs index and send to the job queues", () => {
    const sweeper = stacks.stateless.node.findAll().find((c) => c.node.path.endsWith("JobSweeper/Function"));
    if (!sweeper) throw new Error("no job sweeper");
    const sweeperId = logicalId(stacks.stateless, sweeper);
    stateless.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "rate(5 minutes)",
      Target: Match.objectLike({ Arn: { "Fn::GetAtt": [sweeperId, "Arn"] } }),
    });
    const policy = Object.values(resourcesOf(stateless, "AWS::IAM::Policy")).find((p) =>
      JSON.stringify(p.Properties.Roles).includes(sweeperId.replace(/[0-9A-F]{8}$/, "")),
    );
    const text = JSON.stringify(policy?.Properties.PolicyDocument);
    expect(text).toContain("/index/open-jobs");
    expect(text).not.toContain("/index/*");
    expect(text).toContain("sqs:SendMessage");
    for (const metric of [
      "RetriesExhausted",
      "ProviderThrottledOut",
      "PermitWaitExhausted",
      "JobsRequeued",
    ]) {
      stateless.hasResourceProperties("AWS::CloudWatch::Alarm", {
        MetricName: metric,
        Threshold: 0,
        AlarmActions: [Match.anyValue()],
      });
    }
  });
});

describe("PacerStatelessStack race clock", () => {
  it("runs the race clock every 5 minutes, with the data table and the job queues only (no DLQ, no other table)", () => {
    // Prepare
    const fn = stacks.stateless.raceClock.function;
    const fnId = logicalId(stacks.stateless, fn);
    const resources = stateless.toJSON().Resources;

    // Act
    const statements = statementsOf(fn.executionRole);
    const text = JSON.stringify(statements);
    const env = resources[fnId].Properties.Environment.Variables;

    // Assess
    stateless.hasResourceProperties("AWS::Scheduler::Schedule", {
      Name: "pacer-race-clock",
      ScheduleExpression: "rate(5 minutes)",
      Target: Match.objectLike({ Arn: { "Fn::GetAtt": [fnId, "Arn"] } }),
    });
    expect(Object.keys(env).sort()).toEqual(
      expect.arrayContaining(["PACER_DATA_TABLE", "PACER_QUEUES", "PACER_JOB_RETENTION_DAYS"]),
    );
    expect(env.PACER_LIMIT_TIME_SCALE).toBeUndefined();
    const dataArn = importOf(stateful, {
      "Fn::GetAtt": [logicalId(stacks.stateful, stacks.stateful.tables.data.table), "Arn"],
    });
    expect(text).toContain(JSON.stringify(dataArn));
    for (const other of ["limiter", "idempotency", "connections"] as const) {
      const arn = importOf(stateful, {
        "Fn::GetAtt": [logicalId(stacks.stateful, stacks.stateful.tables[other].table), "Arn"],
      });
      expect(text, other).not.toContain(JSON.stringify(arn));
    }
    const sendTargets = statements
      .filter((st) => JSON.stringify(st.Action).includes("sqs:SendMessage"))
      .flatMap((st) => [st.Resource].flat().map((r) => JSON.stringify(r)));
    const queues = catalog.providers.flatMap((p) =>
      PRIORITIES.map((priority) => queueArnImport(p.id, priority)),
    );
    expect(sendTargets.sort()).toEqual(queues.map((arn) => JSON.stringify(arn)).sort());
    expect(text).not.toContain("dynamodb:DeleteTable");
  });
});

describe("PacerStatelessStack workers", () => {
  it("feeds each provider's worker from its three queues with partial batch failures", () => {
    for (const provider of catalog.providers) {
      const worker = stacks.stateless.workers.functions.get(provider.id);
      if (!worker) throw new Error(`no worker for ${provider.id}`);
      const mappings = Object.values(resourcesOf(stateless, "AWS::Lambda::EventSourceMapping")).filter(
        (m) =>
          JSON.stringify(m.Properties.FunctionName) ===
          JSON.stringify({ Ref: logicalId(stacks.stateless, worker) }),
      );
      expect(mappings).toHaveLength(3);
      for (const priority of PRIORITIES) {
        const mapping = mappings.find(
          (m) =>
            JSON.stringify(m.Properties.EventSourceArn) ===
            JSON.stringify(queueArnImport(provider.id, priority)),
        );
        expect(mapping?.Properties, priority).toMatchObject({
          BatchSize: 10,
          FunctionResponseTypes: ["ReportBatchItemFailures"],
          ScalingConfig: { MaximumConcurrency: expect.any(Number) },
        });
      }
    }
  });

  it("gives the worker its timeout, tables, queues, retention and base URL override through env", () => {
    const worker = stacks.stateless.workers.functions.get("openf1");
    if (!worker) throw new Error("no openf1 worker");
    const props = stateless.toJSON().Resources[logicalId(stacks.stateless, worker)].Properties;
    expect(props.Timeout).toBe(WORKER_TIMEOUT_SECONDS);
    const env = props.Environment.Variables;
    expect(Object.keys(env).sort()).toEqual(
      [
        "NODE_OPTIONS",
        "PACER_DATA_TABLE",
        "PACER_HISTORY_RETENTION_DAYS",
        "PACER_IDEMPOTENCY_TABLE",
        "PACER_JOB_RETENTION_DAYS",
        "PACER_LIMITER_TABLE",
        "PACER_OPENF1_BASE_URL",
        "PACER_QUEUES",
        "PACER_RETRY_BASE_DELAY_MS",
        "PACER_RETRY_MAX_AGE_MS",
        "PACER_RETRY_MAX_ATTEMPTS",
        "PACER_RETRY_MAX_DELAY_MS",
        "PACER_SCHEDULER_ROLE_ARN",
        "PACER_SCHEDULE_DLQ_ARN",
        "PACER_SCHEDULE_GROUP",
        "PACER_SECRET_PREFIX",
        "POWERTOOLS_METRICS_NAMESPACE",
        "POWERTOOLS_SERVICE_NAME",
      ].sort(),
    );
    expect(env).toMatchObject({
      PACER_OPENF1_BASE_URL: "https://sandbox.openf1.example",
      PACER_RETRY_MAX_ATTEMPTS: "5",
      PACER_RETRY_MAX_AGE_MS: "3600000",
      PACER_JOB_RETENTION_DAYS: "30",
      PACER_HISTORY_RETENTION_DAYS: "90",
      PACER_SECRET_PREFIX: "pacer/PacerStateless/connections/",
      POWERTOOLS_METRICS_NAMESPACE: "Pacer",
      POWERTOOLS_SERVICE_NAME: "pacer",
    });
    const queuesJson = JSON.stringify(env.PACER_QUEUES);
    for (const priority of PRIORITIES) expect(queuesJson).toContain(`\\"${priority}\\":{\\"url\\":\\"`);
    expect(queuesJson).toContain('\\"arn\\":\\"');
  });
});

describe("PacerStatelessStack REST API", () => {
  function method(pathPart: string, httpMethod: string) {
    const [resourceId] = Object.entries(resourcesOf(stateless, "AWS::ApiGateway::Resource")).find(
      ([, r]) => r.Properties.PathPart === pathPart,
    ) ?? [undefined];
    const found = Object.values(resourcesOf(stateless, "AWS::ApiGateway::Method")).find(
      (m) =>
        m.Properties.HttpMethod === httpMethod &&
        JSON.stringify(m.Properties.ResourceId) === JSON.stringify({ Ref: resourceId }),
    );
    if (!found) throw new Error(`no ${httpMethod} /${pathPart}`);
    return found.Properties;
  }

  it("puts the Lambda TOKEN authorizer on POST /sync, GET /jobs/{jobId} and GET /status", () => {
    const [authorizerId] = Object.keys(resourcesOf(stateless, "AWS::ApiGateway::Authorizer"));
    stateless.hasResourceProperties("AWS::ApiGateway::Authorizer", {
      Type: "TOKEN",
      IdentitySource: "method.request.header.Authorization",
    });
    for (const [path, verb] of [
      ["sync", "POST"],
      ["{jobId}", "GET"],
      ["status", "GET"],
    ] as const) {
      expect(method(path, verb), `${verb} ${path}`).toMatchObject({
        AuthorizationType: "CUSTOM",
        AuthorizerId: { Ref: authorizerId },
      });
    }
    expect(method("sync", "POST")).toMatchObject({
      RequestValidatorId: expect.anything(),
      RequestModels: expect.anything(),
    });
  });

  it("leaves GET /health without an authorizer", () => {
    const health = method("health", "GET");
    expect(health.AuthorizationType).toBe("NONE");
    expect(health.AuthorizerId).toBeUndefined();
  });

  it("access-logs, traces and throttles the stage", () => {
    stateless.hasResourceProperties("AWS::ApiGateway::Stage", {
      StageName: "v1",
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp("tenantId") },
      MethodSettings: [
        Match.objectLike({
          HttpMethod: "*",
          ResourcePath: "/*",
          LoggingLevel: "ERROR",
          ThrottlingRateLimit: 10,
          ThrottlingBurstLimit: 20,
        }),
      ],
    });
  });

  it("answers validation errors in the API's error shape", () => {
    stateless.hasResourceProperties("AWS::ApiGateway::GatewayResponse", {
      ResponseType: "BAD_REQUEST_BODY",
      StatusCode: "400",
      ResponseTemplates: {
        "application/json": Match.stringLikeRegexp('^\\{"error":\\{"code":"VALIDATION_ERROR"'),
      },
    });
  });
});

describe("PacerStatelessStack WebSocket API", () => {
  it("is a WEBSOCKET API routed on body.action with the authorizer on $connect only", () => {
    stateless.hasResourceProperties("AWS::ApiGatewayV2::Api", {
      ProtocolType: "WEBSOCKET",
      RouteSelectionExpression: "$request.body.action",
    });
    const [authorizerId] = Object.keys(resourcesOf(stateless, "AWS::ApiGatewayV2::Authorizer"));
    stateless.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
      AuthorizerType: "REQUEST",
      IdentitySource: ["route.request.querystring.token"],
    });
    const routes = Object.values(resourcesOf(stateless, "AWS::ApiGatewayV2::Route"));
    const byKey = Object.fromEntries(routes.map((r) => [r.Properties.RouteKey, r.Properties]));
    expect(Object.keys(byKey).sort()).toEqual(
      ["$connect", "$default", "$disconnect", "ping", "subscribe", "unsubscribe"].sort(),
    );
    expect(byKey.$connect).toMatchObject({
      AuthorizationType: "CUSTOM",
      AuthorizerId: { Ref: authorizerId },
    });
  });

  it("auto-deploys stage live and tells both WebSocket functions its callback URL", () => {
    stateless.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "live",
      AutoDeploy: true,
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    for (const fn of [stacks.stateless.webSocketApi.handler, stacks.stateless.webSocketApi.broadcaster]) {
      const env =
        stateless.toJSON().Resources[logicalId(stacks.stateless, fn)].Properties.Environment.Variables;
      expect(JSON.stringify(env.PACER_WS_CALLBACK_URL)).toMatch(/https:\/\/.*execute-api.*\/live/);
      expect(env.PACER_CONNECTIONS_TABLE).toBeDefined();
    }
  });

  it("feeds the broadcaster ENT# and JOB# changes from the data stream, bisecting and dead-lettering failures", () => {
    const streamArn = importOf(stateful, {
      "Fn::GetAtt": [logicalId(stacks.stateful, stacks.stateful.tables.data.table), "StreamArn"],
    });
    stateless.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      EventSourceArn: streamArn,
      FunctionName: { Ref: logicalId(stacks.stateless, stacks.stateless.webSocketApi.broadcaster) },
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BisectBatchOnFunctionError: true,
      DestinationConfig: {
        OnFailure: {
          Destination: {
            "Fn::GetAtt": [
              logicalId(stacks.stateless, stacks.stateless.webSocketApi.broadcastDeadLetterQueue),
              "Arn",
            ],
          },
        },
      },
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              dynamodb: { Keys: { pk: { S: [{ prefix: "ENT#" }, { prefix: "JOB#" }] } } },
            }),
          },
        ],
      },
    });
  });
});

describe("PacerStatelessStack observability", () => {
  const topicRef = () => ({ Ref: logicalId(stacks.stateless, stacks.stateless.observability.topic) });

  it("has one dashboard charting jobs, limits, freshness, queues and DLQs", () => {
    const dashboards = Object.values(resourcesOf(stateless, "AWS::CloudWatch::Dashboard"));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
    for (const metric of [
      "JobSucceeded",
      "JobFailed",
      "JobDeferred",
      "JobSkipped",
      "ProviderThrottled",
      "ProviderLatencyMs",
      "p99",
      "PermitsGranted",
      "PermitsRefused",
      "FreshnessSeconds",
      "ApproximateNumberOfMessagesVisible",
      "ApproximateAgeOfOldestMessage",
    ]) {
      expect(body).toContain(metric);
    }
  });

  it("notifies the topic from every alarm, and mails the configured address", () => {
    const alarms = Object.values(resourcesOf(stateless, "AWS::CloudWatch::Alarm"));
    expect(alarms.length).toBeGreaterThanOrEqual(4);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([topicRef()]);
    stateless.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "ops@example.com",
    });
    stateless.hasResourceProperties("AWS::SNS::TopicPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          Match.objectLike({
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
          }),
        ]),
      },
    });
  });

  it("alarms on any message in each of the 3 per-provider DLQs and the two other DLQs, missing data fine", () => {
    const dlqAlarms = Object.values(resourcesOf(stateless, "AWS::CloudWatch::Alarm")).filter(
      (a) => a.Properties.MetricName === "ApproximateNumberOfMessagesVisible",
    );
    expect(dlqAlarms).toHaveLength(3 * catalog.providers.length + 2);
    for (const a of dlqAlarms) {
      expect(a.Properties).toMatchObject({
        Threshold: 0,
        ComparisonOperator: "GreaterThanThreshold",
        TreatMissingData: "notBreaching",
      });
    }
  });

  it("alarms when any sync type with a cadence is stale: 2 x cadence, at least 2 monitor periods, missing data breaching", () => {
    const thresholds = Object.fromEntries(
      Object.values(resourcesOf(stateless, "AWS::CloudWatch::Alarm"))
        .filter((a) => a.Properties.MetricName === "FreshnessSeconds")
        .map((a) => {
          expect(a.Properties.TreatMissingData).toBe("breaching");
          const dims = a.Properties.Dimensions as { Name: string; Value: string }[];
          const dim = (name: string) => dims.find((d) => d.Name === name)?.Value;
          return [`${dim("provider")}/${dim("syncType")}`, a.Properties.Threshold];
        }),
    );
    // Every scheduled sync type of the catalog, whichever connections run it; manual ones have none,
    // nor windowed ones (OpenF1's live data idles between sessions by design).
    expect(thresholds).toEqual({
      "openf1/sessions": 7200,
      "openf1/meetings": 172_800,
      "zwiftracing/clubMembers": 172_800,
      "zwiftracing/riderStats": 7200,
      "zwiftracing/results": 43_200,
      "zwiftracing/events": 7200,
      "runsignup/races": 172_800,
      "runsignup/participants": 1800,
      "raceroster/events": 172_800,
      "raceroster/participants": 1800,
      "haku/events": 172_800,
      "haku/participants": 1800,
      "chronotrack/events": 172_800,
    });
  });

  it("alarms on each provider's job error rate and 429s", () => {
    stateless.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Threshold: 0.1,
      TreatMissingData: "notBreaching",
      Metrics: Match.arrayWith([Match.objectLike({ Expression: "failed / (succeeded + failed)" })]),
    });
    stateless.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ProviderThrottled",
      Namespace: "Pacer",
      Dimensions: Match.arrayWith([
        { Name: "provider", Value: "openf1" },
        { Name: "service", Value: "pacer" },
      ]),
      Threshold: 0,
    });
  });

  it("alarms when a provider's Retry-After asked for more than Pacer's longest pause", () => {
    stateless.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ProviderPauseCapped",
      Namespace: "Pacer",
      Dimensions: Match.arrayWith([{ Name: "provider", Value: "openf1" }]),
      Threshold: 0,
      AlarmActions: [Match.anyValue()],
    });
  });

  it("alarms on failed invocations of every Lambda function but the authorizer", () => {
    const authorizer = logicalId(stacks.stateless, stacks.stateless.authorizer.function);
    const functions = Object.keys(resourcesOf(stateless, "AWS::Lambda::Function"));
    const watched = Object.values(resourcesOf(stateless, "AWS::CloudWatch::Alarm"))
      .filter((a) => a.Properties.MetricName === "Errors" && a.Properties.Namespace === "AWS/Lambda")
      .map((a) => JSON.stringify(a.Properties.Dimensions));
    // One per FUNCTIONS spec, and a worker per provider.
    expect(functions).toHaveLength(Object.keys(FUNCTIONS).length + catalog.providers.length);
    for (const fn of functions.filter((f) => f !== authorizer)) {
      expect(
        watched.some((d) => d.includes(`"Ref":"${fn}"`)),
        fn,
      ).toBe(true);
    }
    expect(watched.some((d) => d.includes(`"Ref":"${authorizer}"`))).toBe(false);
  });

  it("alarms on the authorizer's logged errors, since it throws Unauthorized for every refused token", () => {
    const authorizer = stacks.stateless.authorizer.function;
    stateless.hasResourceProperties("AWS::Logs::MetricFilter", {
      LogGroupName: { Ref: logicalId(stacks.stateless, authorizer.logGroup) },
      FilterPattern: '{ $.level = "ERROR" }',
      MetricTransformations: [Match.objectLike({ MetricNamespace: "Pacer", MetricName: "LoggedErrors" })],
    });
    stateless.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "Pacer",
      MetricName: "LoggedErrors",
      Dimensions: [{ Name: "function", Value: "authorizer" }],
      AlarmActions: [topicRef()],
    });
  });
});

describe("every Lambda function", () => {
  it("runs nodejs24.x on arm64 with active tracing and its own log group", () => {
    for (const template of [stateful, stateless]) {
      for (const [id, fn] of Object.entries(resourcesOf(template, "AWS::Lambda::Function"))) {
        expect(fn.Properties, id).toMatchObject({
          Runtime: "nodejs24.x",
          Architectures: ["arm64"],
          TracingConfig: { Mode: "Active" },
          Handler: "index.handler",
          LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/Logs/) } },
        });
      }
    }
    for (const group of Object.values(resourcesOf(stateless, "AWS::Logs::LogGroup"))) {
      expect(group.Properties.RetentionInDays).toBe(14);
    }
  });

  it("grants Resource '*' only where the IAM5 acknowledgments say: X-Ray, ListStreams for the broadcaster, and ListSchedules for the live-window worker and the REST API", () => {
    const broadcasterRole = logicalId(
      stacks.stateless,
      stacks.stateless.webSocketApi.broadcaster.executionRole,
    );
    const openf1Worker = stacks.stateless.workers.functions.get("openf1");
    if (!openf1Worker) throw new Error("no OpenF1 worker");
    const openf1WorkerRole = logicalId(stacks.stateless, openf1Worker.executionRole);
    const apiRole = logicalId(stacks.stateless, stacks.stateless.restApi.handler.executionRole);
    for (const template of [stateful, stateless]) {
      for (const policy of Object.values(resourcesOf(template, "AWS::IAM::Policy"))) {
        const statements = (
          policy.Properties.PolicyDocument as {
            Statement: { Action: string | string[]; Resource: unknown }[];
          }
        ).Statement;
        const isBroadcaster =
          JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: broadcasterRole }]);
        const isLiveWindowsWorker =
          JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: openf1WorkerRole }]);
        const isRestApi = JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: apiRole }]);
        for (const s of statements.filter((st) => st.Resource === "*")) {
          for (const action of [s.Action].flat()) {
            const allowed = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"];
            if (isBroadcaster) allowed.push("dynamodb:ListStreams");
            if (isLiveWindowsWorker || isRestApi) allowed.push("scheduler:ListSchedules");
            expect(allowed, JSON.stringify(policy.Properties.Roles)).toContain(action);
          }
        }
      }
    }
  });
});

describe("OIDC auth", () => {
  it("creates no user pool and hands the issuer's settings to the authorizer", () => {
    // Prepare
    const oidc = pacerApp({
      auth: {
        kind: "oidc",
        issuer: "https://id.example.com/",
        jwksUrl: "https://id.example.com/jwks",
        tenantClaim: "org",
      },
    });

    // Act
    const statefulTemplate = Template.fromStack(oidc.stateful);
    const statelessTemplate = Template.fromStack(oidc.stateless);

    // Assess
    statefulTemplate.resourceCountIs("AWS::Cognito::UserPool", 0);
    const authorizer = oidc.stateless.node.findAll().find((c) => c.node.path.endsWith("Authorizer/Function"));
    if (!authorizer) throw new Error("no authorizer");
    const env =
      statelessTemplate.toJSON().Resources[logicalId(Stack.of(authorizer), authorizer)].Properties.Environment
        .Variables;
    expect(env).toMatchObject({
      PACER_JWT_ISSUER: "https://id.example.com/",
      PACER_JWKS_URL: "https://id.example.com/jwks",
      PACER_TENANT_CLAIM: "org",
    });
    expect(env.PACER_JWT_AUDIENCE).toBeUndefined();
  }, 60_000);
});
