import { RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
import { TABLES, type TableKey, type TableSpec } from "#core/resources.ts";
import type { BoundTable } from "./pacer-function.ts";

export type PacerTableSet = { readonly [K in TableKey]: BoundTable & { readonly table: Table } };

/**
 * Only synced data is worth keeping when the stack goes: limiter state, connections and
 * idempotency records are rebuilt within seconds and would only be orphaned.
 */
export function removalPolicyFor(key: TableKey): RemovalPolicy {
  return key === "data" ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
}

/** Pacer's DynamoDB tables, made from the specs the local stand-in also uses (functions/core/resources.ts). */
export class PacerTables extends Construct {
  public readonly tables: PacerTableSet;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const make = <K extends TableKey>(key: K) => ({
      spec: TABLES[key],
      table: tableFrom(this, TABLES[key], key),
    });
    this.tables = {
      data: make("data"),
      limiter: make("limiter"),
      connections: make("connections"),
      idempotency: make("idempotency"),
    };
  }
}

function tableFrom(scope: Construct, spec: TableSpec, key: TableKey): Table {
  const table = new Table(scope, spec.id, {
    partitionKey: { name: spec.partitionKey, type: AttributeType.STRING },
    sortKey: spec.sortKey ? { name: spec.sortKey, type: AttributeType.STRING } : undefined,
    timeToLiveAttribute: spec.ttlAttribute,
    stream: spec.stream === "NEW_AND_OLD_IMAGES" ? StreamViewType.NEW_AND_OLD_IMAGES : undefined,
    billingMode: BillingMode.PAY_PER_REQUEST,
    encryption: TableEncryption.AWS_MANAGED,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: removalPolicyFor(key) === RemovalPolicy.RETAIN,
    removalPolicy: removalPolicyFor(key),
  });
  for (const index of spec.indexes ?? []) {
    table.addGlobalSecondaryIndex({
      indexName: index.name,
      partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
      sortKey: index.sortKey ? { name: index.sortKey, type: AttributeType.STRING } : undefined,
    });
  }
  return table;
}
