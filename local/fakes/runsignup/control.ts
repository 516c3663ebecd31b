import { z } from "zod";
import { type ApiResponse, json } from "./api.ts";
import type { RaceData, Registration } from "./data.ts";

/**
 * The fake's test-only routes (no auth), for tests that change registrations between syncs:
 * - `POST /_fake/participants` `{eventId, firstName, lastName, email?, birthDate?, gender?, city?,
 *   region?, country?, bib?, chip?, team?}` → 201 `{registrationId}`;
 * - `PATCH /_fake/participants/{registrationId}` with any of those fields but eventId (null
 *   clears one) → 200, its last_modified bumped to now;
 * - `DELETE /_fake/participants/{registrationId}` → 200, moved to removed-participants with
 *   reason "removed".
 */

const text = z.string().trim().min(1).max(100);
const nullable = text.nullable().optional();
const fields = z
  .object({
    firstName: text.optional(),
    lastName: text.optional(),
    email: nullable,
    birthDate: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, "YYYY-MM-DD")
      .nullable()
      .optional(),
    gender: z.enum(["M", "F", "X"]).nullable().optional(),
    city: nullable,
    region: nullable,
    country: nullable,
    bib: z.number().int().positive().nullable().optional(),
    chip: nullable,
    team: nullable,
  })
  .strict();
const addition = fields.extend({
  eventId: z.coerce.number().int().positive(),
  firstName: text,
  lastName: text,
});

const message = (status: number, text: string): ApiResponse => json(status, { message: text });

/** Drops absent keys, so a PATCH changes only what it names. */
function given<T extends object>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}

const summary = (r: Registration) => ({
  registrationId: r.registrationId,
  eventId: r.eventId,
  lastModified: r.lastModified,
});

export function control(
  method: string,
  path: string,
  body: string,
  data: RaceData,
  nowS: number,
): ApiResponse | undefined {
  const one = /^\/_fake\/participants\/(\d{1,12})$/.exec(path);
  if (method === "POST" && path === "/_fake/participants") {
    const parsed = addition.safeParse(parseJson(body));
    if (!parsed.success) return message(400, describe(parsed.error));
    const { eventId, ...rest } = parsed.data;
    if (data.event(eventId) === undefined) return message(404, `no event ${eventId} in the fake's race`);
    return json(
      201,
      summary(
        data.add(eventId, { ...given(rest), firstName: rest.firstName, lastName: rest.lastName }, nowS),
      ),
    );
  }
  if (one === null) return undefined;
  const registrationId = Number(one[1]);
  if (method === "PATCH") {
    const parsed = fields.safeParse(parseJson(body));
    if (!parsed.success) return message(400, describe(parsed.error));
    const changed = data.change(registrationId, given(parsed.data), nowS);
    return changed ? json(200, summary(changed)) : message(404, `no registration ${registrationId}`);
  }
  if (method === "DELETE") {
    const removed = data.remove(registrationId, nowS);
    return removed
      ? json(200, { ...summary(removed), removedReason: removed.removedReason })
      : message(404, `no registration ${registrationId}`);
  }
  return undefined;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue?.path.join(".") || "(body)"}: ${issue?.message ?? "invalid"}`;
}
