import { createHash } from "node:crypto";

/** The credentials a fake started with `secret` accepts (ChronoTrack's "simple" auth). */
export interface FakeCredentials {
  /** An application id: 8 hex characters, as in the facts' examples. */
  readonly clientId: string;
  /** The CT Live login, an email. */
  readonly userId: string;
  /** The plain password; the fake expects its SHA-1 as `user_pass`. */
  readonly password: string;
}

const derive = (secret: string, label: string, length: number): string =>
  createHash("sha256").update(`${secret}:chronotrack:${label}`).digest("hex").slice(0, length);

/** Made from the start's secret: whoever knows it (the stand-in, a test) can make them, nobody else. */
export function fakeCredentials(secret: string): FakeCredentials {
  return {
    clientId: derive(secret, "client", 8),
    userId: `timer-${derive(secret, "user", 6)}@example.com`,
    password: derive(secret, "password", 20),
  };
}

export const sha1Hex = (text: string): string => createHash("sha1").update(text).digest("hex");
