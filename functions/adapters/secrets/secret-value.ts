import type { Credentials } from "#core/connections/types.ts";

/**
 * A stored secret's text as credentials: a JSON object of strings. Anything else is refused with
 * an error that names the secret but never quotes its text (JSON.parse's own message would).
 */
export function credentialsFromSecret(name: string, text: string | undefined): Credentials {
  const refused = () => new Error(`secret ${name} does not hold a JSON object of strings`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text ?? "");
  } catch {
    throw refused();
  }
  if (!isCredentials(parsed)) throw refused();
  return parsed;
}

export function isCredentials(value: unknown): value is Credentials {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === "string")
  );
}
