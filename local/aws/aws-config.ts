import { randomBytes } from "node:crypto";

/**
 * Region and credentials the stand-in and the handlers share. The emulators accept any
 * credentials; the stand-in's own `@connections` endpoint checks the SigV4 signature against
 * these, so its secret is made anew in every process: only the handlers it hands them to (and
 * tests in the same process) can post to its connections.
 */
export const LOCAL_REGION = "us-east-1";
export const LOCAL_ACCOUNT = "000000000000";
export const LOCAL_CREDENTIALS = {
  accessKeyId: "local",
  secretAccessKey: randomBytes(24).toString("base64url"),
} as const;

/** SDK client config for one emulator endpoint. */
export function clientConfig(endpoint: string) {
  return { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 3 };
}
