import { z } from "zod";
import type { HakuData } from "./data.ts";

/**
 * The fake's test-only control routes (no auth), for tests that change registrations after a
 * sync: `POST /_fake/participants`, `PATCH /_fake/participants/{registration_number}` (bumps its
 * `updated_at`), `DELETE /_fake/participants/{registration_number}` (cancels it).
 */

export interface ControlAnswer {
  readonly status: number;
  readonly body: unknown;
}

const fields = {
  firstName: z.string().min(1).max(100),
  lastName: z.string().min(1).max(100),
  email: z.string().min(3).max(200),
  dob: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "YYYY-MM-DD"),
  gender: z.enum(["Male", "Female"]),
  bib: z.string().min(1).max(20),
  chip: z.string().min(1).max(40),
  team: z.string().min(1).max(100),
  city: z.string().min(1).max(100),
  state: z.string().min(1).max(100),
  country: z.string().min(2).max(3),
};
const { firstName, lastName, email, ...optional } = fields;
const optionalFields = Object.fromEntries(Object.entries(optional).map(([k, v]) => [k, v.optional()])) as {
  [K in keyof typeof optional]: z.ZodOptional<(typeof optional)[K]>;
};
const creation = z
  .object({ eventId: z.string().optional(), firstName, lastName, email, ...optionalFields })
  .strict();
const change = z
  .object({
    firstName: firstName.optional(),
    lastName: lastName.optional(),
    email: email.optional(),
    ...optionalFields,
  })
  .strict();

export function controlParticipants(
  data: HakuData,
  method: string,
  registrationNumber: string | undefined,
  body: string,
  nowMs: number,
  defaultEventId: string,
): ControlAnswer {
  if (registrationNumber === undefined) {
    if (method !== "POST") return { status: 405, body: { message: "Method Not Allowed" } };
    const parsed = parse(creation, body);
    if (!parsed.ok) return parsed.answer;
    const { eventId = defaultEventId, ...rest } = parsed.value;
    if (data.event(eventId) === undefined) return { status: 404, body: { message: "Event not found" } };
    const created = data.register(eventId, rest, nowMs);
    return { status: 201, body: { registration_number: created.registrationNumber, eventId } };
  }
  const registration = data.registration(registrationNumber);
  if (registration === undefined) return { status: 404, body: { message: "Registration not found" } };
  if (method === "PATCH") {
    const parsed = parse(change, body);
    if (!parsed.ok) return parsed.answer;
    Object.assign(registration, parsed.value);
  } else if (method === "DELETE") {
    registration.cancelledAtMs ??= nowMs;
  } else {
    return { status: 405, body: { message: "Method Not Allowed" } };
  }
  // The list is sorted by updated_at: a change moves the registration to the top.
  registration.updatedAtMs = Math.max(nowMs, registration.updatedAtMs + 1);
  return {
    status: 200,
    body: {
      registration_number: registration.registrationNumber,
      is_cancelled: registration.cancelledAtMs !== undefined,
      updated_at: new Date(registration.updatedAtMs).toISOString(),
    },
  };
}

function parse<T>(
  schema: z.ZodType<T>,
  body: string,
): { ok: true; value: T } | { ok: false; answer: ControlAnswer } {
  let json: unknown;
  try {
    json = JSON.parse(body === "" ? "{}" : body);
  } catch {
    return { ok: false, answer: { status: 400, body: { message: "the body must be JSON" } } };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const message = `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`;
  return { ok: false, answer: { status: 400, body: { message } } };
}
