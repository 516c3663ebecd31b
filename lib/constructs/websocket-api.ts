import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { AccessLogField, AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import { LogGroupLogDestination, WebSocketApi, WebSocketStage } from "aws-cdk-lib/aws-apigatewayv2";
import { WebSocketLambdaAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { WebSocketLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { FilterCriteria, FilterRule, type IFunction, StartingPosition } from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { ENV } from "#core/env.ts";
import { FUNCTIONS } from "#core/functions.ts";
import type { ApiThrottle } from "../config.ts";
import type { ApiGatewayAccount } from "./api-gateway-account.ts";
import { PacerFunction } from "./pacer-function.ts";
import type { PacerQueues } from "./queues.ts";
import type { PacerTableSet } from "./tables.ts";

/** Route keys besides `$connect`; API Gateway authorizes only `$connect`, the rest ride its connection. */
export const WEBSOCKET_ROUTES = ["$disconnect", "$default", "subscribe", "unsubscribe", "ping"] as const;

/** Data-table items that may interest a subscriber: entities and jobs (not history or status). */
export const BROADCAST_KEY_PREFIXES = ["ENT#", "JOB#"] as const;

export const CALLBACK_URL_ENV_VAR = ENV.wsCallbackUrl;

export interface PacerWebSocketApiProps {
  /** The shared Lambda authorizer (REQUEST events on `$connect`, token in `?token=`). */
  readonly authorizer: IFunction;
  readonly tables: PacerTableSet;
  /** Reads of stale data queue their refresh (a subscribe to a topic whose data is older than its target). */
  readonly queues: PacerQueues;
  readonly throttle: ApiThrottle;
  /** Stages log through the account's CloudWatch role, so they wait for it. */
  readonly apiGatewayAccount: ApiGatewayAccount;
  /**
   * @default "live"
   */
  readonly stageName?: string;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

/**
 * Live updates: the WebSocket API (connect with `?token=`, then subscribe / unsubscribe / ping)
 * and the broadcaster that turns data-table stream records into messages for subscribers.
 */
export class PacerWebSocketApi extends Construct {
  public readonly api: WebSocketApi;
  public readonly stage: WebSocketStage;
  public readonly handler: PacerFunction;
  public readonly broadcaster: PacerFunction;
  /** Stream batches the broadcaster gave up on (their shard coordinates, to replay by hand). */
  public readonly broadcastDeadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: PacerWebSocketApiProps) {
    super(scope, id);
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;

    this.api = new WebSocketApi(this, "Api", {
      apiName: "pacer-live",
      description: "Pacer: live updates for subscribed clients",
      routeSelectionExpression: "$request.body.action",
    });
    const accessLogs = new LogGroup(this, "AccessLogs", {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new WebSocketStage(this, "Stage", {
      webSocketApi: this.api,
      stageName: props.stageName ?? "live",
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: accessLogFormat() },
    });
    this.stage.node.addDependency(props.apiGatewayAccount.account);

    this.handler = new PacerFunction(this, "Handler", {
      spec: FUNCTIONS.websocket,
      tables: props.tables,
      queues: props.queues,
      logRetention,
      environment: { [CALLBACK_URL_ENV_VAR]: this.stage.callbackUrl },
    });
    this.grantManageConnections(this.handler);

    const integration = new WebSocketLambdaIntegration("Handler", this.handler);
    this.api.addRoute("$connect", {
      integration,
      authorizer: new WebSocketLambdaAuthorizer("Authorizer", props.authorizer, {
        identitySource: ["route.request.querystring.token"],
      }),
    });
    for (const routeKey of WEBSOCKET_ROUTES) {
      const route = this.api.addRoute(routeKey, { integration });
      Validations.of(route).acknowledge({
        id: "AwsSolutions-APIG4",
        reason: `WebSocket APIs authorize only $connect; "${routeKey}" runs on a connection the Lambda authorizer already admitted (and whose tenant the handler stored).`,
      });
    }

    this.broadcaster = new PacerFunction(this, "Broadcaster", {
      spec: FUNCTIONS.broadcaster,
      tables: props.tables,
      logRetention,
      environment: { [CALLBACK_URL_ENV_VAR]: this.stage.callbackUrl },
    });
    this.grantManageConnections(this.broadcaster);

    this.broadcastDeadLetterQueue = new Queue(this, "BroadcastDlq", {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.broadcastDeadLetterQueue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason:
        "This queue is itself a DLQ: the on-failure destination of the broadcaster's stream event source.",
    });
    Validations.of(this.broadcaster.executionRole).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "Besides X-Ray, the stream event source needs dynamodb:ListStreams, which supports no resource-level permissions; its stream reads are scoped to the data table's stream.",
    });
    this.broadcaster.addEventSource(
      new DynamoEventSource(props.tables.data.table, {
        startingPosition: StartingPosition.LATEST,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: 5,
        // A live update older than this is no longer live.
        maxRecordAge: Duration.hours(1),
        onFailure: new SqsDlq(this.broadcastDeadLetterQueue),
        filters: [
          FilterCriteria.filter({
            dynamodb: {
              Keys: { pk: { S: BROADCAST_KEY_PREFIXES.flatMap((p) => FilterRule.beginsWith(p)) } },
            },
          }),
        ],
      }),
    );
  }

  /** `execute-api:ManageConnections` on this stage's `@connections`, acknowledged for cdk-nag. */
  private grantManageConnections(fn: PacerFunction): void {
    this.stage.grantManagementApiAccess(fn);
    const apiLogicalId = Stack.of(this).getLogicalId(this.api.node.defaultChild as CfnElement);
    Validations.of(fn.executionRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiLogicalId}>/${this.stage.stageName}/*/@connections/*]`,
      reason:
        "Connection ids are only known at run time, so @connections/* on this one API's stage is as narrow as ManageConnections gets.",
    });
  }

  /** `wss://…/live`, for clients. */
  public get url(): string {
    return this.stage.url;
  }
}

function accessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: AccessLogField.contextRequestId(),
      requestTime: AccessLogField.contextRequestTime(),
      ip: AccessLogField.contextIdentitySourceIp(),
      eventType: AccessLogField.contextEventType(),
      routeKey: AccessLogField.contextRouteKey(),
      connectionId: AccessLogField.contextConnectionId(),
      status: AccessLogField.contextStatus(),
      tenantId: AccessLogField.contextAuthorizer("tenantId"),
      error: AccessLogField.contextErrorMessage(),
    }),
  );
}
