import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import type { Catalog } from "#catalog/types.ts";
import type { PacerConfig } from "../config.ts";
import { type AuthorizerSettings, PacerIdentity } from "../constructs/auth.ts";
import { PacerQueues } from "../constructs/queues.ts";
import { type PacerTableSet, PacerTables } from "../constructs/tables.ts";

export interface PacerStatefulStackProps extends StackProps {
  readonly config: PacerConfig;
  readonly catalog: Catalog;
}

/**
 * What must outlive a redeploy: tables, job queues (with the jobs in them) and the user pool.
 * Changes here are rare and reviewed; the stateless stack can be replaced at will.
 */
export class PacerStatefulStack extends Stack {
  public readonly tables: PacerTableSet;
  public readonly queues: PacerQueues;
  public readonly identity: PacerIdentity;
  public readonly authSettings: AuthorizerSettings;

  constructor(scope: Construct, id: string, props: PacerStatefulStackProps) {
    super(scope, id, props);
    this.tables = new PacerTables(this, "Tables").tables;
    this.queues = new PacerQueues(this, "Queues", { providers: props.catalog.providers.map((p) => p.id) });
    this.identity = new PacerIdentity(this, "Identity", { auth: props.config.auth });
    this.authSettings = this.identity.settings;

    new CfnOutput(this, "DataTableName", { value: this.tables.data.table.tableName });
    if (this.identity.userPool && this.identity.userPoolClient) {
      new CfnOutput(this, "UserPoolId", {
        value: this.identity.userPool.userPoolId,
        description: "Create users here with their custom:tenant_id",
      });
      new CfnOutput(this, "UserPoolClientId", {
        value: this.identity.userPoolClient.userPoolClientId,
        description: "App client for sign-in (send the ID token as the bearer token)",
      });
    }
  }
}
