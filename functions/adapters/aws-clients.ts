import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/**
 * SDK clients, created once per process. Endpoints come from the SDK's own environment variables
 * (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SQS`, `AWS_ENDPOINT_URL_SCHEDULER`), which the local stand-in sets; deployed,
 * they are unset and the SDK uses AWS.
 */
export const dynamoClient = new DynamoDBClient({});
export const documentClient = DynamoDBDocumentClient.from(dynamoClient, {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
});
export const sqsClient = new SQSClient({});
export const schedulerClient = new SchedulerClient({});

const managementClients = new Map<string, ApiGatewayManagementApiClient>();

/** The `@connections` client for a WebSocket API callback URL (`https://…/stage`, or the local server). */
export function managementClient(callbackUrl: string): ApiGatewayManagementApiClient {
  let client = managementClients.get(callbackUrl);
  if (!client) {
    client = new ApiGatewayManagementApiClient({ endpoint: callbackUrl });
    managementClients.set(callbackUrl, client);
  }
  return client;
}
