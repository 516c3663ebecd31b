import { createHmac } from "node:crypto";
import type { Credentials } from "./types.ts";

/**
 * What may be derived from a connection's credentials without keeping them beside the record: keyed
 * hashes (HMAC-SHA256 with the deployment's fingerprint key), so equal credentials give equal
 * values and the values say nothing that helps guess the credentials. Each use has its own label,
 * so a fingerprint shown to callers is never a prefix of the limiter's budget key.
 */
export interface CredentialHashes {
  /** Shown to callers: 16 hex digits. */
  readonly fingerprint: string;
  /** The limiter scope of the provider's `tenant` limits: `k` and 32 hex digits. Internal. */
  readonly budgetKey: string;
}

export function credentialHashes(
  fingerprintKey: string,
  provider: string,
  credentials: Credentials,
): CredentialHashes {
  const canonical = canonicalJson(credentials);
  const hash = (label: string) =>
    createHmac("sha256", fingerprintKey).update(`${label}\0${provider}\0${canonical}`).digest("hex");
  return { fingerprint: hash("fingerprint").slice(0, 16), budgetKey: `k${hash("budget").slice(0, 32)}` };
}

/** The budget of a connection without credentials: its own. */
export function connectionBudgetKey(connectionId: string): string {
  return `conn-${connectionId}`;
}

/** JSON of the credentials with their keys sorted, so the order a caller sent them in does not matter. */
export function canonicalJson(credentials: Credentials): string {
  const sorted = Object.keys(credentials)
    .sort()
    .map((key) => [key, credentials[key]]);
  return JSON.stringify(Object.fromEntries(sorted));
}
