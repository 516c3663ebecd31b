import type { z } from "zod";
import type { Catalog, ProviderDef } from "#catalog/types.ts";
import { ValidationError } from "../errors.ts";
import { quote } from "./schemas.ts";
import type { Credentials } from "./types.ts";

/**
 * Checks what a caller sends for a connection, first against the bounded body shapes, then against
 * the provider's own settings and credentials schemas, refusing with one line that names the
 * field: `settings.clubId: expected a positive integer`. Nothing said about a credential ever
 * quotes it: its lines are made from the kind of problem, never from zod's (or the provider's)
 * message, which may quote the input.
 */

/** Parses a body with one of ./schemas.ts's shapes; `fields` lists the body's fields for the message. */
export function parseBody<S extends z.ZodType>(
  schema: S,
  body: unknown,
  fields: readonly string[],
): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ValidationError(issueLine(issue, body, [], { trustCustom: true, known: fields.join(", ") }));
}

export function providerOf(catalog: Catalog, providerId: string): ProviderDef {
  const provider = catalog.providers.find((p) => p.id === providerId);
  if (provider) return provider;
  const known = catalog.providers.map((p) => p.id).join(", ");
  throw new ValidationError(`provider: unknown provider ${quote(providerId)} (known: ${known})`);
}

/** The tier named, or the provider's default (its first). */
export function checkTier(provider: ProviderDef, tierId: string | undefined): string {
  if (tierId === undefined) return provider.tiers[0].id;
  if (provider.tiers.some((t) => t.id === tierId)) return tierId;
  const known = provider.tiers.map((t) => t.id).join(", ");
  throw new ValidationError(`tier: ${provider.id} has tiers ${known}`);
}

/** The settings as the provider's schema parses them. */
export function checkSettings(
  provider: ProviderDef,
  settings: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const schema = provider.connection.settings;
  const parsed = schema.safeParse(settings);
  if (parsed.success) return parsed.data;
  const known = Object.keys(schema.shape).join(", ") || "none";
  throw new ValidationError(
    issueLine(parsed.error.issues[0], settings, ["settings"], { known, kind: `a setting of ${provider.id}` }),
  );
}

/**
 * The credentials as the provider's schema parses them; undefined when none are given and the
 * provider does not require them. Absent but required, they are checked as `{}`, so the message
 * names the first missing one: `credentials.apiKey: required`.
 */
export function checkCredentials(
  provider: ProviderDef,
  credentials: Credentials | undefined,
  options: { readonly required: boolean },
): Credentials | undefined {
  const schema = provider.connection.credentials;
  if (schema === undefined) {
    if (credentials === undefined) return undefined;
    throw new ValidationError(`credentials: ${provider.id} takes no credentials`);
  }
  const required = options.required && provider.connection.credentialsRequired !== false;
  if (credentials === undefined && !required) return undefined;
  const given = credentials ?? {};
  const parsed = schema.safeParse(given);
  if (parsed.success) return parsed.data as Credentials;
  const known = Object.keys(schema.shape).join(", ");
  throw new ValidationError(
    issueLine(parsed.error.issues[0], given, ["credentials"], {
      known,
      kind: `a credential of ${provider.id}`,
    }),
  );
}

/**
 * Runs a check of a caller's body; should a message it refuses with ever contain one of the
 * body's credential values (a provider schema's own message quoting its input, say), the message
 * is replaced: a credential is never echoed.
 */
export function guardSecrets<T>(body: unknown, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const raw = (body as { credentials?: unknown } | null)?.credentials;
    const values =
      typeof raw === "object" && raw !== null
        ? Object.values(raw).filter((v): v is string => typeof v === "string" && v.length >= 4)
        : [];
    if (values.some((value) => error.message.includes(value))) {
      const field = error.message.slice(0, Math.max(0, error.message.indexOf(": "))) || "body";
      throw new ValidationError(`${field}: not valid`);
    }
    throw error;
  }
}

interface LineOptions {
  /** What the fields of this object are, for an unknown key: `a setting of openf1`. */
  readonly kind?: string;
  readonly known: string;
  /** Custom issues are Pacer's own (./schemas.ts), which never quote a value. */
  readonly trustCustom?: boolean;
}

function issueLine(
  issue: z.core.$ZodIssue | undefined,
  input: unknown,
  prefix: readonly string[],
  options: LineOptions,
): string {
  if (issue === undefined) return `${prefix.join(".") || "body"}: not valid`;
  const path = [...prefix, ...issue.path.map(String)];
  const field = path.join(".") || "body";
  if (issue.code === "unrecognized_keys") {
    const key = (issue.keys[0] ?? "").slice(0, 64);
    const name = [...path, key].join(".");
    const kind = options.kind ?? "a field of the body";
    return `${name}: not ${kind} (known: ${options.known || "none"})`;
  }
  if (issue.code === "invalid_type" && valueAt(input, issue.path) === undefined) return `${field}: required`;
  const secret = path[0] === "credentials";
  if (!secret || (options.trustCustom && issue.code === "custom")) return `${field}: ${issue.message}`;
  return `${field}: ${problemOf(issue)}`;
}

/** A credential's problem said without its value. */
function problemOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return `expected ${issue.expected === "object" ? "an object" : `a ${issue.expected}`}`;
    case "too_small":
      if (issue.origin !== "string") return "too small";
      return Number(issue.minimum) <= 1 ? "must not be empty" : `at least ${issue.minimum} characters`;
    case "too_big":
      return issue.origin === "string" ? `at most ${issue.maximum} characters` : "too large";
    case "invalid_format":
      return "not in the expected format";
    case "invalid_value":
      return "not one of the accepted values";
    default:
      return "not valid";
  }
}

/** What `input` holds at `path` (undefined where it has nothing): a missing field vs a mistyped one. */
export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
