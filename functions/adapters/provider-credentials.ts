import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { credentialsSecretEnvVar } from "#catalog/index.ts";
import { optionalEnv } from "#core/env.ts";

let client: SecretsManagerClient | undefined;
const cache = new Map<string, Promise<Readonly<Record<string, string>> | undefined>>();

/**
 * A provider's credentials from the Secrets Manager secret named by `PACER_<PROVIDER>_CREDENTIALS_SECRET`
 * (a JSON object of strings, e.g. `{"username":"…","password":"…"}`), read once per process.
 * undefined when no secret is configured. The deployed stack sets the variable from the
 * `providerSecrets` config and grants the worker read access to that secret only.
 */
export function providerSecret(providerId: string): Promise<Readonly<Record<string, string>> | undefined> {
  let pending = cache.get(providerId);
  if (!pending) {
    pending = readSecret(providerId);
    // A failed read is not remembered: the next run tries again.
    pending.catch(() => cache.delete(providerId));
    cache.set(providerId, pending);
  }
  return pending;
}

async function readSecret(providerId: string): Promise<Readonly<Record<string, string>> | undefined> {
  const envVar = credentialsSecretEnvVar(providerId);
  const secretId = optionalEnv(envVar);
  if (secretId === undefined) return undefined;
  client ??= new SecretsManagerClient({});
  const result = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.SecretString ?? "");
  } catch {
    throw new Error(`the secret in ${envVar} must hold a JSON object of strings`);
  }
  if (!parsed || typeof parsed !== "object" || Object.values(parsed).some((v) => typeof v !== "string")) {
    throw new Error(`the secret in ${envVar} must hold a JSON object of strings`);
  }
  return parsed as Record<string, string>;
}
