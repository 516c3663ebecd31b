import { z } from "zod";

/**
 * The OpenF1 payloads Pacer syncs, as documented (shared/providers/openf1.md). Objects are loose:
 * a field OpenF1 adds later is kept in the stored row rather than dropped.
 */

const int = z.number().int();
/** ISO 8601 with an offset, e.g. "2023-09-15T13:08:19.923000+00:00". */
const isoDate = z.iso.datetime({ offset: true });

export const meetingSchema = z.looseObject({
  meeting_key: int,
  meeting_official_name: z.string(),
  location: z.string(),
  country_key: int,
  country_code: z.string(),
  country_name: z.string(),
  circuit_key: int,
  circuit_short_name: z.string(),
  gmt_offset: z.string(),
  date_start: isoDate,
  year: int,
  // Absent from older snapshots.
  meeting_name: z.string().optional(),
  country_flag: z.string().optional(),
  circuit_type: z.string().optional(),
  circuit_info_url: z.string().optional(),
  circuit_image: z.string().optional(),
  date_end: isoDate.optional(),
  is_cancelled: z.boolean().optional(),
});
export type Meeting = z.infer<typeof meetingSchema>;

export const sessionSchema = z.looseObject({
  session_key: int,
  session_name: z.string(),
  // Not a closed enum: legacy rows carry e.g. "Sprint Qualifying".
  session_type: z.string(),
  meeting_key: int,
  date_start: isoDate,
  date_end: isoDate,
  gmt_offset: z.string(),
  location: z.string(),
  country_key: int,
  country_code: z.string(),
  country_name: z.string(),
  circuit_key: int,
  circuit_short_name: z.string(),
  year: int,
  is_cancelled: z.boolean().optional(),
});
export type Session = z.infer<typeof sessionSchema>;

export const weatherSchema = z.looseObject({
  meeting_key: int,
  session_key: int,
  date: isoDate,
  air_temperature: z.number(),
  track_temperature: z.number(),
  humidity: z.number(),
  pressure: z.number(),
  rainfall: z.number(),
  wind_direction: z.number(),
  wind_speed: z.number(),
});
export type Weather = z.infer<typeof weatherSchema>;

export const raceControlSchema = z.looseObject({
  meeting_key: int,
  session_key: int,
  date: isoDate.nullable(),
  category: z.string().nullable(),
  flag: z.string().nullable(),
  scope: z.string().nullable(),
  sector: int.nullable(),
  driver_number: int.nullable(),
  lap_number: int.nullable(),
  qualifying_phase: int.nullable(),
  message: z.string().nullable(),
});
export type RaceControl = z.infer<typeof raceControlSchema>;

/** `expires_in` is a string in OpenF1's documented example; accept a number too. */
export const tokenSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.union([
    z.number(),
    z
      .string()
      .regex(/^\d+(\.\d+)?$/)
      .transform(Number),
  ]),
  token_type: z.string(),
});
