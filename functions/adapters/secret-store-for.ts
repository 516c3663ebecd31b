import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Credentials, SecretStore } from "#core/connections/types.ts";
import { FileSecretStore } from "./secrets/file-secret-store.ts";
import { SecretsManagerStore } from "./secrets/secrets-manager-store.ts";

/**
 * Where this process keeps connection secrets: Secrets Manager deployed; locally the stand-in's
 * file (`PACER_SECRETS_FILE`, mode 0600), which the CDK never sets.
 */
export function secretStoreFor(env: { readonly secretsFile?: string | undefined }): SecretStore {
  if (env.secretsFile !== undefined) return new FileSecretStore(env.secretsFile);
  return new SecretsManagerStore({ client: new SecretsManagerClient({}) });
}

/**
 * The deployment's fingerprint key, read from its secret (`{"key": "…"}`) once per process; a
 * failed read is tried again on the next call.
 */
export function fingerprintKeyFrom(secrets: Pick<SecretStore, "get">, name: string): () => Promise<string> {
  let pending: Promise<string> | undefined;
  const read = async () => {
    const value: Credentials | undefined = await secrets.get(name);
    const key = value?.key;
    if (!key || key.length < 32)
      throw new Error(`the fingerprint key secret ${name} must hold {"key": at least 32 characters}`);
    return key;
  };
  return () => {
    pending ??= read().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
