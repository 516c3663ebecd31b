import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import type { Credentials, SecretStore } from "#core/connections/types.ts";
import { credentialsFromSecret } from "./secret-value.ts";

export interface SecretsManagerStoreOptions {
  readonly client: Pick<SecretsManagerClient, "send">;
  /**
   * Days a deleted connection's secret can still be restored.
   * @default 7 (Secrets Manager's shortest is 7)
   */
  readonly recoveryWindowDays?: number;
}

/** Tag on every connection secret, so IAM conditions and audits can tell them apart. */
export const CONNECTION_SECRET_TAG = { Key: "pacer", Value: "connection" } as const;

const errorName = (error: unknown) => (error as { name?: string } | undefined)?.name;

/**
 * Connection credentials in AWS Secrets Manager, one secret per connection holding a JSON object
 * of strings. Errors carry the secret's name and the SDK's error, never the value.
 */
export class SecretsManagerStore implements SecretStore {
  constructor(private readonly options: SecretsManagerStoreOptions) {}

  async put(name: string, value: Credentials): Promise<void> {
    const SecretString = JSON.stringify(value);
    try {
      await this.options.client.send(
        new CreateSecretCommand({
          Name: name,
          SecretString,
          Description: "Pacer connection credentials",
          Tags: [{ ...CONNECTION_SECRET_TAG }],
        }),
      );
    } catch (error) {
      if (errorName(error) !== "ResourceExistsException") throw error;
      await this.options.client.send(new PutSecretValueCommand({ SecretId: name, SecretString }));
    }
  }

  async get(name: string): Promise<Credentials | undefined> {
    let text: string | undefined;
    try {
      const result = await this.options.client.send(new GetSecretValueCommand({ SecretId: name }));
      text = result.SecretString;
    } catch (error) {
      if (errorName(error) === "ResourceNotFoundException") return undefined;
      throw error;
    }
    return credentialsFromSecret(name, text);
  }

  async delete(name: string): Promise<void> {
    try {
      await this.options.client.send(
        new DeleteSecretCommand({
          SecretId: name,
          RecoveryWindowInDays: this.options.recoveryWindowDays ?? 7,
        }),
      );
    } catch (error) {
      if (errorName(error) !== "ResourceNotFoundException") throw error;
    }
  }
}
