import { defineProvider } from "#providers/define.ts";
import { chronotrack } from "./definition.ts";
import { events } from "./events.ts";
import { participants } from "./participants.ts";
import { results } from "./results.ts";

/**
 * ChronoTrack Live (https://api.chronotrack.com): a scoring provider. Its events and races
 * (RaceEvents), the participants Pacer pushes to an event as entries (experimental: no write
 * endpoint is documented) and the event's results (ResultRows). Every sync parses the connection
 * first (./connection.ts); params arrive parsed by the definition's schemas (digits only), so they
 * go into paths as they are.
 */
export const chronotrackModule = defineProvider(chronotrack, {
  syncs: { events, participants, results },
});
