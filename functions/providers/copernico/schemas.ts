import { z } from "zod";

/**
 * What the Copernico module reads: the `participants` Pacer stored for a push, and the preset
 * export's answer. The export's rows are open records: their keys are the preset's columns, which
 * the user chose (./mapping.ts reads them through the column table).
 */

const text = z.string().optional();

/** A stored `participants` entity's data, as Pacer's unified list writes it (race/shapes.ts). */
export const scoringParticipantSchema = z.object({
  participantId: z.string().min(1),
  scoringEventId: z.string().min(1),
  scoringRaceId: text,
  firstName: z.string(),
  lastName: z.string(),
  email: text,
  birthDate: text,
  gender: z.enum(["M", "F", "X"]).optional(),
  bib: text,
  chip: text,
  city: text,
  region: text,
  country: text,
  team: text,
});
export type StoredParticipant = z.output<typeof scoringParticipantSchema>;

/** One runner row of the export: any keys, since they are the preset's columns. */
export const presetRowSchema = z.record(z.string(), z.unknown());
export type PresetRow = z.output<typeof presetRowSchema>;

/** The export is a bare JSON list of rows, or `{ "data": [rows] }` (both seen in clients). */
export const presetExportSchema = z.union([
  z.array(presetRowSchema),
  z.object({ data: z.array(presetRowSchema) }).transform((body) => body.data),
]);
