import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import {
  AccessLogField,
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  IdentitySource,
  JsonSchemaType,
  JsonSchemaVersion,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  type MethodOptions,
  ResponseType,
  RestApi,
  TokenAuthorizer,
} from "aws-cdk-lib/aws-apigateway";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { CfnWebACLAssociation } from "aws-cdk-lib/aws-wafv2";
import { Construct } from "constructs";
import { ENV } from "#core/env.ts";
import { FUNCTIONS } from "#core/functions.ts";
import type { ApiThrottle } from "../config.ts";
import type { ApiGatewayAccount } from "./api-gateway-account.ts";
import { PacerFunction } from "./pacer-function.ts";
import type { PacerQueues } from "./queues.ts";
import type { PacerTableSet } from "./tables.ts";

export interface PacerRestApiProps {
  /** The shared Lambda authorizer (TOKEN events from the `Authorization` header). */
  readonly authorizer: IFunction;
  readonly tables: PacerTableSet;
  readonly queues: PacerQueues;
  readonly jobRetentionDays: number;
  readonly throttle: ApiThrottle;
  /** Stages log through the account's CloudWatch role, so they wait for it. */
  readonly apiGatewayAccount: ApiGatewayAccount;
  /**
   * @default "v1"
   */
  readonly stageName?: string;
  /**
   * How long API Gateway caches an authorizer decision per token. The authorizer allows the
   * whole stage, so one cached policy serves every route.
   * @default Duration.minutes(5)
   */
  readonly authorizerCacheTtl?: Duration;
  /**
   * @default - no web ACL (acknowledged in cdk-nag)
   */
  readonly webAclArn?: string;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

/**
 * Errors API Gateway answers itself, in the API's own error shape `{"error":{"code","message"}}`.
 * Unknown routes come back as 404 rather than API Gateway's confusing 403.
 */
export const GATEWAY_ERRORS: readonly { type: ResponseType; status?: string; code: string }[] = [
  { type: ResponseType.BAD_REQUEST_BODY, status: "400", code: "invalid_request" },
  { type: ResponseType.BAD_REQUEST_PARAMETERS, status: "400", code: "invalid_request" },
  { type: ResponseType.UNAUTHORIZED, status: "401", code: "unauthorized" },
  { type: ResponseType.ACCESS_DENIED, status: "403", code: "forbidden" },
  { type: ResponseType.MISSING_AUTHENTICATION_TOKEN, status: "404", code: "not_found" },
  { type: ResponseType.THROTTLED, status: "429", code: "throttled" },
  // The defaults keep API Gateway's own status (413, 415, 429 quota…); only the body changes.
  { type: ResponseType.DEFAULT_4XX, code: "bad_request" },
  { type: ResponseType.DEFAULT_5XX, code: "gateway_error" },
];

/**
 * The REST API: `POST /sync`, `GET /jobs/{jobId}`, `GET /status` behind the Lambda TOKEN
 * authorizer, and an open `GET /health`; access-logged (with the tenant), traced and throttled.
 */
export class PacerRestApi extends Construct {
  public readonly api: RestApi;
  public readonly handler: PacerFunction;

  constructor(scope: Construct, id: string, props: PacerRestApiProps) {
    super(scope, id);
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const stageName = props.stageName ?? "v1";

    this.handler = new PacerFunction(this, "Handler", {
      spec: FUNCTIONS.api,
      tables: props.tables,
      queues: props.queues,
      logRetention,
      environment: { [ENV.jobRetentionDays]: String(props.jobRetentionDays) },
    });

    const accessLogs = new LogGroup(this, "AccessLogs", {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new RestApi(this, "Api", {
      restApiName: "pacer",
      description: "Pacer: manual syncs, jobs and status",
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      cloudWatchRole: false,
      deployOptions: {
        stageName,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: accessLogFormat(),
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: props.throttle.rateLimit,
        throttlingBurstLimit: props.throttle.burstLimit,
      },
    });
    this.api.deploymentStage.node.addDependency(props.apiGatewayAccount.account);
    // API Gateway would create its execution log group itself, without retention: own it first.
    const executionLogs = new LogGroup(this, "ExecutionLogs", {
      logGroupName: `API-Gateway-Execution-Logs_${this.api.restApiId}/${stageName}`,
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api.deploymentStage.node.addDependency(executionLogs);

    for (const error of GATEWAY_ERRORS) {
      this.api.addGatewayResponse(`Error${error.type.responseType}`, {
        type: error.type,
        statusCode: error.status,
        templates: {
          "application/json": `{"error":{"code":"${error.code}","message":$context.error.messageString}}`,
        },
      });
    }

    const authorizer = new TokenAuthorizer(this, "Authorizer", {
      handler: props.authorizer,
      identitySource: IdentitySource.header("Authorization"),
      // Malformed headers are refused by API Gateway without invoking the authorizer.
      validationRegex: "^[Bb]earer [-0-9A-Za-z._~+/]+=*$",
      resultsCacheTtl: props.authorizerCacheTtl ?? Duration.minutes(5),
    });
    const authorized: MethodOptions = { authorizer, authorizationType: AuthorizationType.CUSTOM };
    const validator = this.api.addRequestValidator("Validator", {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const integration = new LambdaIntegration(this.handler, { allowTestInvoke: false });

    // Only the shape is checked here; what a provider or sync type is, the handler decides.
    const syncRequest = this.api.addModel("SyncRequest", {
      contentType: "application/json",
      schema: {
        schema: JsonSchemaVersion.DRAFT4,
        title: "SyncRequest",
        type: JsonSchemaType.OBJECT,
        required: ["provider", "syncType"],
        properties: {
          provider: { type: JsonSchemaType.STRING, minLength: 1, maxLength: 64 },
          syncType: { type: JsonSchemaType.STRING, minLength: 1, maxLength: 64 },
          tenantId: { type: JsonSchemaType.STRING, minLength: 1, maxLength: 64 },
          params: { type: JsonSchemaType.OBJECT, additionalProperties: { type: JsonSchemaType.STRING } },
        },
      },
    });

    this.api.root.addResource("sync").addMethod("POST", integration, {
      ...authorized,
      requestValidator: validator,
      requestModels: { "application/json": syncRequest },
    });
    this.api.root
      .addResource("jobs")
      .addResource("{jobId}")
      .addMethod("GET", integration, {
        ...authorized,
        requestValidator: validator,
        requestParameters: { "method.request.path.jobId": true },
      });
    this.api.root.addResource("status").addMethod("GET", integration, authorized);
    const health = this.api.root
      .addResource("health")
      .addMethod("GET", integration, { authorizationType: AuthorizationType.NONE });
    Validations.of(health).acknowledge({
      id: "AwsSolutions-APIG4",
      reason:
        "GET /health is the liveness probe for load balancers and uptime checks; it reveals no tenant data.",
    });
    Validations.of(this.api).acknowledge({
      id: "AwsSolutions-COG4",
      reason:
        "Methods use a Lambda TOKEN authorizer instead of a Cognito authorizer: Pacer accepts any OIDC issuer (Cognito by default), and the same authorizer serves the WebSocket API, which has no Cognito authorizer.",
    });

    if (props.webAclArn) {
      new CfnWebACLAssociation(this, "WebAcl", {
        resourceArn: this.api.deploymentStage.stageArn,
        webAclArn: props.webAclArn,
      });
    } else {
      Validations.of(this.api.deploymentStage).acknowledge({
        id: "AwsSolutions-APIG3",
        reason:
          "WAF is opt-in (config webAclArn): every data route needs a verified JWT, the stage is throttled and a web ACL carries a fixed monthly cost a small deployment may not want.",
      });
    }
  }
}

function accessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: AccessLogField.contextRequestId(),
      requestTime: AccessLogField.contextRequestTime(),
      ip: AccessLogField.contextIdentitySourceIp(),
      method: AccessLogField.contextHttpMethod(),
      path: AccessLogField.contextResourcePath(),
      status: AccessLogField.contextStatus(),
      responseLength: AccessLogField.contextResponseLength(),
      latencyMs: AccessLogField.contextResponseLatency(),
      tenantId: AccessLogField.contextAuthorizer("tenantId"),
      sub: AccessLogField.contextAuthorizer("sub"),
      error: AccessLogField.contextErrorMessage(),
      authorizerError: AccessLogField.contextAuthorizerError(),
    }),
  );
}
