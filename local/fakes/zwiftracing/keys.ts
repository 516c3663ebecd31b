import { createHash } from "node:crypto";
import { z } from "zod";
import { TIERS, type Tier } from "./limits.ts";

/** The labels the fake derives a key for at start, on each tier: "demo" for the stand-in, the rest for tests. */
export const DERIVED_LABELS = ["demo", "a", "b", "c"] as const;

/**
 * The API key the fake started with `secret` accepts for `label` on `tier`: 24 lowercase hex
 * characters, like ZwiftRacing's keys. Anyone who knows the secret can make it; the fake cannot
 * read a tier out of a key, so it keeps the keys it derived (see KeyRegistry).
 */
export function fakeKey(secret: string, label: string, tier: Tier): string {
  return createHash("sha256").update(`${secret}:${label}:${tier}`).digest("hex").slice(0, 24);
}

/** What stats name a key by: 8 hex characters of its hash, never the key itself. */
export function keyFingerprint(key: string): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 8);
}

/** `POST /_fake/keys`: a raw key (no spaces, so never "Bearer …") and its tier. */
export const keyRegistration = z
  .object({
    key: z.string().regex(/^[\x21-\x7e]{8,128}$/, "8 to 128 printable characters"),
    tier: z.enum(TIERS),
  })
  .strict();

export class KeyConflictError extends Error {
  override readonly name = "KeyConflictError";
}

/** The keys the fake accepts, each with its tier. */
export class KeyRegistry {
  readonly #tiers = new Map<string, Tier>();

  /** Derived keys for every label in DERIVED_LABELS on both tiers. */
  static derivedFrom(secret: string): KeyRegistry {
    const registry = new KeyRegistry();
    for (const label of DERIVED_LABELS)
      for (const tier of TIERS) registry.register(fakeKey(secret, label, tier), tier);
    return registry;
  }

  /** Registers a key; the same key again on another tier is refused (its budgets are per tier). */
  register(key: string, tier: Tier): void {
    const known = this.#tiers.get(key);
    if (known !== undefined && known !== tier)
      throw new KeyConflictError(`key already registered as ${known}`);
    this.#tiers.set(key, tier);
  }

  /** The tier of the `Authorization` header's key: the raw key exactly, so "Bearer <key>" is unknown. */
  tierOf(authorization: string | undefined): Tier | undefined {
    return authorization === undefined ? undefined : this.#tiers.get(authorization);
  }
}
