import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { TABLES, type TableKey, type TableSpec } from "#core/resources.ts";

export type TableNames = Record<TableKey, string>;

/** `Data` → `pacer-local-data`: recognisably the stand-in's when browsing DynamoDB Local. */
export function localTableName(spec: TableSpec): string {
  return `pacer-local-${spec.id.toLowerCase()}`;
}

/** The CreateTable input for a spec: on-demand billing, string keys, the stream and indexes it asks for. */
export function createTableInput(spec: TableSpec, tableName: string) {
  const keySchema = (partitionKey: string, sortKey?: string): KeySchemaElement[] => [
    { AttributeName: partitionKey, KeyType: "HASH" },
    ...(sortKey ? [{ AttributeName: sortKey, KeyType: "RANGE" as const }] : []),
  ];
  const keyNames = new Set<string>([spec.partitionKey]);
  if (spec.sortKey) keyNames.add(spec.sortKey);
  for (const index of spec.indexes ?? []) {
    keyNames.add(index.partitionKey);
    if (index.sortKey) keyNames.add(index.sortKey);
  }
  const attributes: AttributeDefinition[] = [...keyNames].map((name) => ({
    AttributeName: name,
    AttributeType: "S",
  }));
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST" as const,
    AttributeDefinitions: attributes,
    KeySchema: keySchema(spec.partitionKey, spec.sortKey),
    ...(spec.indexes?.length
      ? {
          GlobalSecondaryIndexes: spec.indexes.map((index) => ({
            IndexName: index.name,
            KeySchema: keySchema(index.partitionKey, index.sortKey),
            Projection: { ProjectionType: "ALL" as const },
          })),
        }
      : {}),
    ...(spec.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: spec.stream } } : {}),
  };
}

export interface CreatedTables {
  readonly names: TableNames;
  /** Stream ARN of each table that has a stream. */
  readonly streamArns: Partial<Record<TableKey, string>>;
}

/** Creates every table of TABLES, with TTL where the spec names an attribute. */
export async function createTables(dynamo: DynamoDBClient): Promise<CreatedTables> {
  const names = {} as TableNames;
  const streamArns: Partial<Record<TableKey, string>> = {};
  for (const [key, spec] of Object.entries(TABLES) as [TableKey, TableSpec][]) {
    const tableName = localTableName(spec);
    names[key] = tableName;
    await dynamo.send(new CreateTableCommand(createTableInput(spec, tableName)));
    if (spec.ttlAttribute) {
      await dynamo.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { Enabled: true, AttributeName: spec.ttlAttribute },
        }),
      );
    }
    if (spec.stream) {
      const described = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
      const arn = described.Table?.LatestStreamArn;
      if (!arn) throw new Error(`table ${tableName} was created without a stream`);
      streamArns[key] = arn;
    }
  }
  return { names, streamArns };
}
