import { z } from "zod";
import type { SyncTypeDef } from "#catalog/types.ts";

/** Bounds every sync request's params obey, whatever its sync type declares. */
export const MAX_PARAMS = 16;
export const MAX_PARAM_VALUE_LENGTH = 256;
/** Param names are identifiers: nothing a provider query or a DynamoDB attribute name chokes on. */
export const PARAM_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

const NAME_HINT = "a param name is a letter then up to 63 letters, digits or _";

/**
 * Params as any request may carry them: an object of at most {@link MAX_PARAMS} identifier keys
 * with bounded string values. Keys are checked on the raw object first, because zod's record
 * silently drops a `__proto__` key instead of refusing it.
 */
export const SyncParamsShape = z
  .unknown()
  .superRefine((value, context) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return;
    const keys = Object.keys(value);
    if (keys.length > MAX_PARAMS) {
      context.addIssue({ code: "custom", message: `at most ${MAX_PARAMS} params, got ${keys.length}` });
      return;
    }
    const bad = keys.find((key) => !PARAM_NAME_PATTERN.test(key));
    if (bad !== undefined) context.addIssue({ code: "custom", message: `${quote(bad)}: ${NAME_HINT}` });
  })
  .pipe(z.record(z.string(), z.string().max(MAX_PARAM_VALUE_LENGTH)));

export type SyncParamsResult =
  | { readonly ok: true; readonly params: Record<string, string> }
  | { readonly ok: false; readonly problem: string };

/**
 * Checks a run's params against its sync type's schema (and the bounds above), naming the first
 * field at fault: `params.year: expected 4 digits, e.g. "2024"`. A sync type without a schema
 * takes no params. `POST /sync` calls it before anything is written; the worker again on every
 * queued message, since a message may come from elsewhere than the API.
 */
export function validateSyncParams(
  syncType: SyncTypeDef,
  params: Readonly<Record<string, string>>,
): { ok: true; params: Record<string, string> } | { ok: false; problem: string } {
  const shaped = SyncParamsShape.safeParse(params);
  if (!shaped.success) return { ok: false, problem: describeIssue(shaped.error.issues[0]) };
  const schema = syncType.params;
  const keys = Object.keys(shaped.data);
  if (schema === undefined) {
    return keys[0] === undefined
      ? { ok: true, params: {} }
      : { ok: false, problem: `params.${keys[0]}: sync type "${syncType.id}" takes no params` };
  }
  const parsed = schema.safeParse(params);
  if (parsed.success) return { ok: true, params: parsed.data as Record<string, string> };
  const known = Object.keys(schema.shape).join(", ");
  return { ok: false, problem: describeIssue(parsed.error.issues[0], syncType.id, known) };
}

function describeIssue(issue: z.core.$ZodIssue | undefined, syncTypeId?: string, known?: string): string {
  if (issue === undefined) return "params: not valid";
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    return `params.${key}: not a param of sync type "${syncTypeId}" (known: ${known || "none"})`;
  }
  const path = issue.path.map(String).join(".");
  return `params${path === "" ? "" : `.${path}`}: ${issue.message}`;
}

/** A caller's string in a message, cut short: an error must not echo kilobytes back. */
function quote(value: string, max = 64): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}
