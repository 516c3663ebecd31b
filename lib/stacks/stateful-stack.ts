import { CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from "aws-cdk-lib";
import { type ISecret, Secret } from "aws-cdk-lib/aws-secretsmanager";
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
 * What must outlive a redeploy: tables, job queues (with the jobs in them), the user pool and the
 * fingerprint key.
 * Changes here are rare and reviewed; the stateless stack can be replaced at will.
 */
export class PacerStatefulStack extends Stack {
  public readonly tables: PacerTableSet;
  public readonly queues: PacerQueues;
  public readonly identity: PacerIdentity;
  public readonly authSettings: AuthorizerSettings;
  /**
   * `{"key"}`: 64 random characters keying credential fingerprints and the budget keys of
   * `tenant`-scoped limits. Kept across redeploys and stack deletion: a new key would change every
   * connection's fingerprint and split the budgets its limiter state is stored under.
   */
  public readonly fingerprintKey: ISecret;

  constructor(scope: Construct, id: string, props: PacerStatefulStackProps) {
    super(scope, id, props);
    this.tables = new PacerTables(this, "Tables").tables;
    this.queues = new PacerQueues(this, "Queues", { providers: props.catalog.providers.map((p) => p.id) });
    this.identity = new PacerIdentity(this, "Identity", { auth: props.config.auth });
    this.authSettings = this.identity.settings;
    this.fingerprintKey = fingerprintKeySecret(this);

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

function fingerprintKeySecret(scope: Stack): Secret {
  const secret = new Secret(scope, "FingerprintKey", {
    description: "Pacer: the key of credential fingerprints and per-credential budget keys",
    generateSecretString: {
      secretStringTemplate: "{}",
      generateStringKey: "key",
      passwordLength: 64,
      excludePunctuation: true,
    },
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(secret).acknowledge({
    id: "AwsSolutions-SMG4",
    reason:
      "The fingerprint key must stay stable: rotating it would change every stored connection's credentials fingerprint and budget key, so two connections sharing an API key would stop sharing its budget. It never leaves the API function.",
  });
  return secret;
}
