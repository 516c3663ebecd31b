import { createHash } from "node:crypto";

/** The API v2 key and secret the fake started with `secret` accepts: 32 hex characters each. */
export function fakeCredentials(secret: string): { readonly apiKey: string; readonly apiSecret: string } {
  const derive = (label: string) =>
    createHash("sha256").update(`${secret}:runsignup:${label}`).digest("hex").slice(0, 32);
  return { apiKey: derive("key"), apiSecret: derive("secret") };
}

/** What stats name a key by: 8 hex characters of its hash, never the key itself. */
export function keyFingerprint(key: string): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 8);
}
