import { errorBodySchema } from "./schemas.ts";

/** Enough of Race Roster's words to recognise them in a job's error. */
const MAX_CHARS = 160;

/**
 * Race Roster's own words in an error body: OAuth-style `{error, error_description}` (the token
 * endpoint) or `{message}`; the shape of API errors is undocumented, so anything else is left
 * out rather than quoted. Every secret (a credential, a token) is masked should the body echo it.
 */
export async function providerWords(response: Response, secrets: readonly string[]): Promise<string> {
  const text = await response.text().catch(() => "");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return "";
  }
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return "";
  const { error, error_description: description, message } = parsed.data;
  const words = [error, description ?? message].filter((part) => part && part.trim() !== "").join(": ");
  return mask(words.replace(/[\p{Cc}\s]+/gu, " ").trim(), secrets).slice(0, MAX_CHARS);
}

function mask(text: string, secrets: readonly string[]): string {
  let masked = text;
  for (const secret of secrets) if (secret.length >= 4) masked = masked.split(secret).join("***");
  return masked;
}
