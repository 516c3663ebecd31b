import { RemovalPolicy, Validations } from "aws-cdk-lib";
import { CfnAccount } from "aws-cdk-lib/aws-apigateway";
import { ManagedPolicy, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";

/**
 * API Gateway's per-region account setting: the role through which it writes execution and
 * access logs, for REST and WebSocket stages alike. Stages that log must depend on `account`.
 */
export class ApiGatewayAccount extends Construct {
  public readonly account: CfnAccount;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const role = new Role(this, "CloudWatchRole", {
      assumedBy: new ServicePrincipal("apigateway.amazonaws.com"),
      managedPolicies: [
        ManagedPolicy.fromAwsManagedPolicyName("service-role/AmazonAPIGatewayPushToCloudWatchLogs"),
      ],
      description: "Lets API Gateway write Pacer's API execution and access logs",
    });
    // The setting is shared by every API in the region: keep the role if this stack goes.
    role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    Validations.of(role).acknowledge({
      id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
      reason:
        "AWS's own policy for API Gateway's account-level logging role, as the API Gateway docs prescribe; it must be able to create the log groups API Gateway names at run time.",
    });
    this.account = new CfnAccount(this, "Account", { cloudWatchRoleArn: role.roleArn });
    this.account.applyRemovalPolicy(RemovalPolicy.RETAIN);
  }
}
