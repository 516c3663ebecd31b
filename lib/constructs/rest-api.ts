import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import {
  AccessLogField,
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  IdentitySource,
  type JsonSchema,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  type MethodOptions,
  type Model,
  ResponseType,
  RestApi,
  TokenAuthorizer,
} from "aws-cdk-lib/aws-apigateway";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { CfnWebACLAssociation } from "aws-cdk-lib/aws-wafv2";
import { Construct } from "constructs";
import { type ApiErrorCode, statusOf } from "#core/api/errors.ts";
import { apiGatewayModelSchema } from "#core/api/json-schema.ts";
import { REST_ROUTES, type RestRoute, type RouteBody } from "#core/api/routes.ts";
import { ENV } from "#core/env.ts";
import { FUNCTIONS } from "#core/functions.ts";
import type { ApiThrottle } from "../config.ts";
import type { ApiGatewayAccount } from "./api-gateway-account.ts";
import {
  type ConnectionResources,
  connectionAdminEnvironment,
  grantConnectionAdmin,
} from "./connection-access.ts";
import { PacerFunction } from "./pacer-function.ts";
import type { PacerQueues } from "./queues.ts";
import type { PacerTableSet } from "./tables.ts";

export interface PacerRestApiProps {
  /** The shared Lambda authorizer (TOKEN events from the `Authorization` header). */
  readonly authorizer: IFunction;
  readonly tables: PacerTableSet;
  readonly queues: PacerQueues;
  readonly jobRetentionDays: number;
  /** What managing connections at run time needs: their secrets' prefix, the fingerprint key, their schedules' group and role. */
  readonly connections: ConnectionResources;
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
 * Errors API Gateway answers itself, in the API's own error shape `{"error":{"code","message"}}`
 * and with the handler's codes (core/api/errors.ts), so a caller sees one vocabulary whoever
 * refused. Unknown routes come back as 404 rather than API Gateway's confusing 403.
 */
export const GATEWAY_ERRORS: readonly {
  readonly type: ResponseType;
  readonly code: ApiErrorCode;
  readonly keepStatus?: true;
}[] = [
  { type: ResponseType.BAD_REQUEST_BODY, code: "VALIDATION_ERROR" },
  { type: ResponseType.BAD_REQUEST_PARAMETERS, code: "VALIDATION_ERROR" },
  { type: ResponseType.UNAUTHORIZED, code: "UNAUTHORIZED" },
  { type: ResponseType.ACCESS_DENIED, code: "FORBIDDEN" },
  { type: ResponseType.WAF_FILTERED, code: "FORBIDDEN" },
  { type: ResponseType.MISSING_AUTHENTICATION_TOKEN, code: "NOT_FOUND" },
  { type: ResponseType.RESOURCE_NOT_FOUND, code: "NOT_FOUND" },
  { type: ResponseType.REQUEST_TOO_LARGE, code: "PAYLOAD_TOO_LARGE" },
  { type: ResponseType.THROTTLED, code: "THROTTLED" },
  { type: ResponseType.QUOTA_EXCEEDED, code: "THROTTLED" },
  { type: ResponseType.AUTHORIZER_FAILURE, code: "AUTHORIZER_ERROR" },
  { type: ResponseType.AUTHORIZER_CONFIGURATION_ERROR, code: "AUTHORIZER_ERROR" },
  // The catch-alls keep API Gateway's own status (415, 502, 504…); only the body changes.
  { type: ResponseType.DEFAULT_4XX, code: "BAD_REQUEST", keepStatus: true },
  { type: ResponseType.DEFAULT_5XX, code: "BAD_GATEWAY", keepStatus: true },
];

/**
 * The REST API, every route as the contract (core/api/routes.ts) has it: `POST /sync`,
 * `/connections`, `GET /jobs/{jobId}`, `GET /status` behind the Lambda TOKEN authorizer, an open `GET /health` and
 * `GET /openapi.json`, request models generated from the zod schemas the handler parses;
 * access-logged (with the tenant), traced and throttled.
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
      environment: {
        [ENV.jobRetentionDays]: String(props.jobRetentionDays),
        ...connectionAdminEnvironment(props.connections),
      },
    });
    grantConnectionAdmin(this.handler, props.connections);

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
        statusCode: error.keepStatus ? undefined : String(statusOf(error.code)),
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

    // Every route of the contract, as it says: auth, request model, path parameters.
    for (const route of REST_ROUTES as readonly RestRoute[]) {
      const options: MethodOptions = {
        ...(route.auth.kind === "bearer" ? authorized : { authorizationType: AuthorizationType.NONE }),
        ...(route.body || route.pathParams ? { requestValidator: validator } : {}),
        ...(route.body ? { requestModels: { "application/json": this.requestModel(route.body) } } : {}),
        ...(route.pathParams ? { requestParameters: pathParameters(route) } : {}),
      };
      const method = this.api.root.resourceForPath(route.path).addMethod(route.method, integration, options);
      if (route.auth.kind === "none") {
        Validations.of(method).acknowledge({ id: "AwsSolutions-APIG4", reason: route.auth.reason });
      }
    }
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

  /**
   * The request model of a body, generated from its zod schema (core/api/json-schema.ts): only the
   * shape is checked here; what a provider or sync type is, the handler decides.
   */
  private requestModel(body: RouteBody): Model {
    return this.api.addModel(body.model, {
      contentType: "application/json",
      // The generator writes raw draft-04 (`$schema`); CDK passes `$`-keys through unchanged.
      schema: apiGatewayModelSchema(body.schema, body.model) as JsonSchema,
    });
  }
}

/** `{"method.request.path.jobId": true}`: API Gateway refuses a request without them. */
function pathParameters(route: RestRoute): Record<string, boolean> {
  return Object.fromEntries(
    Object.keys(route.pathParams ?? {}).map((name) => [`method.request.path.${name}`, true]),
  );
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
