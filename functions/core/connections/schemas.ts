import { z } from "zod";
import type { Catalog } from "#catalog/types.ts";

/**
 * The REST contract of `/connections`: the bodies a caller sends (bounded shapes; each provider's
 * own settings and credentials schemas are checked after, in ./validate.ts) and the view it gets.
 */

export const MAX_CREDENTIALS = 16;
export const MAX_CREDENTIAL_VALUE_LENGTH = 4_096;
export const MAX_SETTINGS_JSON_LENGTH = 8_192;
/** Setting and credential names are identifiers, so nothing downstream chokes on them (nor on `__proto__`). */
export const FIELD_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

const NAME_HINT = "a name is a letter then up to 63 letters, digits or _";

function plainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Credentials as any body may carry them: at most {@link MAX_CREDENTIALS} named strings. Keys are
 * checked on the raw object first, because zod's record silently drops a `__proto__` key. No
 * message here ever quotes a value.
 */
export const CredentialsShape = z
  .unknown()
  .superRefine((value, context) => {
    if (!plainObject(value)) return;
    const keys = Object.keys(value);
    if (keys.length > MAX_CREDENTIALS) {
      context.addIssue({
        code: "custom",
        message: `at most ${MAX_CREDENTIALS} credentials, got ${keys.length}`,
      });
      return;
    }
    const bad = keys.find((key) => !FIELD_NAME_PATTERN.test(key));
    if (bad !== undefined) context.addIssue({ code: "custom", message: `${quote(bad)}: ${NAME_HINT}` });
  })
  .pipe(z.record(z.string(), z.string().max(MAX_CREDENTIAL_VALUE_LENGTH)));

/**
 * Settings as any body may carry them: a JSON object of at most {@link MAX_SETTINGS_JSON_LENGTH}
 * characters, with identifier keys. On a patch, a `null` value removes the setting.
 */
export const SettingsShape = z
  .unknown()
  .superRefine((value, context) => {
    if (!plainObject(value)) return;
    const bad = Object.keys(value).find((key) => !FIELD_NAME_PATTERN.test(key));
    if (bad !== undefined) {
      context.addIssue({ code: "custom", message: `${quote(bad)}: ${NAME_HINT}` });
      return;
    }
    const length = JSON.stringify(value).length;
    if (length > MAX_SETTINGS_JSON_LENGTH) {
      context.addIssue({
        code: "custom",
        message: `at most ${MAX_SETTINGS_JSON_LENGTH} characters as JSON, got ${length}`,
      });
    }
  })
  .pipe(z.record(z.string(), z.unknown()));

/** Whether Node knows the IANA zone (as Scheduler does): `Europe/Amsterdam`, `UTC`. */
function knownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const WHOLE_HOUR_HINT = 'expected a whole hour "HH:00", e.g. "07:00"';

/**
 * Office hours (a connection's, any provider): its schedules fire only from `from` to `to`, in
 * `timeZone`. Whole hours, since Scheduler's cron confines them by its hour field.
 */
export const ActiveHoursSchema = z
  .object({
    from: z
      .string()
      .max(5)
      .regex(/^([01]\d|2[0-3]):00$/, WHOLE_HOUR_HINT)
      .describe("first active hour, HH:00"),
    to: z
      .string()
      .max(5)
      .regex(/^([01]\d|2[0-4]):00$/, `${WHOLE_HOUR_HINT}, up to "24:00"`)
      .describe("first hour no longer active, HH:00 (up to 24:00); before `from`: the hours span midnight"),
    timeZone: z
      .string()
      .max(64)
      .regex(/^[A-Za-z][A-Za-z0-9_+\-/]*$/, 'expected an IANA time zone, e.g. "Europe/Amsterdam"')
      .refine(knownTimeZone, 'expected an IANA time zone, e.g. "Europe/Amsterdam"')
      .optional()
      .describe("IANA time zone the hours are in; absent: UTC"),
  })
  .strict()
  .refine((hours) => hours.from.slice(0, 2) !== (hours.to === "24:00" ? "00" : hours.to.slice(0, 2)), {
    message: "from and to must differ (to run around the clock, leave activeHours out)",
  });

const providerId = z.string().min(1).max(64);
const tierId = z.string().min(1).max(64);

/** `POST /connections`; the provider's own schemas are checked once the provider is known. */
export const CreateConnectionSchema = z
  .object({
    provider: providerId,
    tier: tierId.optional().describe("one of the provider's tiers; absent: its default (first)"),
    credentials: CredentialsShape.optional().describe("kept in a secret, never returned"),
    settings: SettingsShape.optional(),
    activeHours: ActiveHoursSchema.optional().describe("office hours; absent: around the clock"),
    refreshOnRead: z
      .boolean()
      .optional()
      .describe("false: a read of stale data does not queue a refresh; absent: true"),
  })
  .strict();
export type CreateConnectionBody = z.infer<typeof CreateConnectionSchema>;

/** `PATCH /connections/{id}`: at least one field. */
export const UpdateConnectionSchema = z
  .object({
    enabled: z.boolean().optional().describe("false: its schedules are removed; true: put back"),
    tier: tierId.optional(),
    credentials: CredentialsShape.optional().describe("replaces the stored credentials (rotation)"),
    settings: SettingsShape.optional().describe(
      "merged over the current settings, one level deep; a null value removes a setting",
    ),
    activeHours: ActiveHoursSchema.nullable()
      .optional()
      .describe("replaces the office hours; null removes them"),
    refreshOnRead: z.boolean().optional(),
  })
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, {
    message: "at least one of enabled, tier, credentials, settings, activeHours, refreshOnRead",
  });
export type UpdateConnectionPatch = z.infer<typeof UpdateConnectionSchema>;

/**
 * What JSON Schema cannot see of the shapes above (their refinements check in code), restated from
 * the same constants, for `REFINEMENTS` in core/api/json-schema.ts.
 */
export const CONNECTION_REFINEMENTS: ReadonlyMap<z.core.$ZodType, z.core.JSONSchema.BaseSchema> = new Map<
  z.core.$ZodType,
  z.core.JSONSchema.BaseSchema
>([
  [
    CredentialsShape,
    {
      type: "object",
      maxProperties: MAX_CREDENTIALS,
      patternProperties: {
        [FIELD_NAME_PATTERN.source]: { type: "string", maxLength: MAX_CREDENTIAL_VALUE_LENGTH },
      },
      additionalProperties: false,
    },
  ],
  [
    SettingsShape,
    { type: "object", patternProperties: { [FIELD_NAME_PATTERN.source]: {} }, additionalProperties: false },
  ],
]);

const timestamp = z.string().meta({ format: "date-time" });
const count = z.number().int().min(0);

/** A connection as callers see it: never its secret's name, its budget key or a credential value. */
export const ConnectionViewSchema = z
  .object({
    connectionId: z.string(),
    provider: z.string(),
    tier: z.string(),
    settings: z.record(z.string(), z.unknown()),
    enabled: z.boolean(),
    credentials: z
      .object({ fingerprint: z.string().describe("keyed hash of the credentials: equal for equal ones") })
      .nullable()
      .describe("null: the connection has none"),
    activeHours: z
      .object({ from: z.string(), to: z.string(), timeZone: z.string().optional() })
      .nullable()
      .describe("office hours its schedules fire in; null: around the clock"),
    refreshOnRead: z.boolean().describe("a read of data older than its target queues a refresh"),
    syncTypes: z.array(
      z.object({
        syncType: z.string(),
        cadence: z.string().describe('"manual", a cron expression or "every N s"'),
        scheduled: z.boolean().describe("a schedule runs it for this connection"),
        enabled: z.boolean().describe("false while the setting it requires is off"),
      }),
    ),
    limits: z.array(
      z.object({
        limitId: z.string(),
        scope: z.enum(["global", "tenant"]),
        calls: count.describe("on the connection's tier"),
        perMs: count,
        endpointGroups: z.array(z.string()),
        shared: z
          .enum(["deployment", "credentials"])
          .describe(
            "who shares the budget: every connection of the deployment, or those with the same credentials",
          ),
        plannedWindowMs: count
          .optional()
          .describe("the window `planned` counts: the limit's own, or a minute for shorter ones"),
        planned: count
          .optional()
          .describe(
            "calls the schedules sharing this budget (this connection's and others') plan in the worst such window",
          ),
        headroom: z
          .number()
          .int()
          .optional()
          .describe("calls scheduled work may still plan in that window (its share, less `planned`)"),
      }),
    ),
    createdAt: timestamp,
    updatedAt: timestamp,
    version: count,
  })
  .meta({ title: "Connection" });
export type ConnectionView = z.infer<typeof ConnectionViewSchema>;

export const ConnectionListSchema = z.object({ connections: z.array(ConnectionViewSchema) });

/**
 * The `POST /connections` bodies the catalog accepts: one variant per provider, with its own
 * tiers, settings and credentials. Tighter than {@link CreateConnectionSchema}, the shape the
 * handler parses: which provider exists is the use case's to say.
 */
export function connectionRequestBodies(catalog: Catalog): z.ZodType {
  const variants = catalog.providers.map((provider) => {
    const { settings, credentials, credentialsRequired } = provider.connection;
    const tierIds = provider.tiers.map((t) => t.id) as [string, ...string[]];
    const shape = {
      provider: z.literal(provider.id),
      tier: z.enum(tierIds).optional(),
      settings: settings.optional(),
      activeHours: ActiveHoursSchema.optional(),
      refreshOnRead: z.boolean().optional(),
    };
    const body =
      credentials === undefined
        ? z.object(shape).strict()
        : z
            .object({
              ...shape,
              credentials: credentialsRequired === false ? credentials.optional() : credentials,
            })
            .strict();
    return body.meta({ title: `connection/${provider.id}`, description: provider.displayName });
  });
  const [first, second, ...rest] = variants;
  if (first === undefined) return z.never();
  return second === undefined ? first : z.union([first, second, ...rest]);
}

/** A caller's string in a message, cut short: an error must not echo kilobytes back. */
export function quote(value: string, max = 64): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}
