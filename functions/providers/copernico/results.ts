import { ValidationError } from "#core/errors.ts";
import type { SyncRunOf } from "#providers/define.ts";
import type { Page } from "#providers/types.ts";
import { fetchPreset } from "./client.ts";
import { connectionOf } from "./connection.ts";
import type { copernico } from "./definition.ts";
import { presetColumnsOf, resultEntities } from "./mapping.ts";

/**
 * One event's results, read from the preset the connection names (`presetLogin`, `presetName`)
 * in one call: the export is not paged. Rows become `results` through the connection's column
 * table (./mapping.ts).
 */
export async function* results(run: SyncRunOf<typeof copernico, "results">): AsyncGenerator<Page> {
  const { settings, context } = connectionOf(run);
  const { presetLogin, presetName } = settings;
  if (presetLogin === undefined || presetName === undefined)
    throw new ValidationError(
      "Copernico results are read from a saved preset: set the connection's settings.presetLogin " +
        "(the Copernico account's email) and settings.presetName",
    );
  const { raceId, eventName } = run.params;
  const { rows, label } = await fetchPreset(context, { raceId, login: presetLogin, presetName, eventName });
  yield { entities: resultEntities(rows, presetColumnsOf(settings), { raceId, eventName, label }) };
}
