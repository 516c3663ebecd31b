import { defineProvider } from "#providers/define.ts";
import { copernico } from "./definition.ts";
import { participants } from "./participants.ts";
import { results } from "./results.ts";

/**
 * Copernico (Timingsense / Sportmaniacs), a scoring provider: Pacer's participants pushed as race
 * registrations, results read back from a saved preset's public export. What is assumed rather
 * than documented is listed in ./README.md and marked UNVERIFIED where it is used.
 */
export const copernicoModule = defineProvider(copernico, { syncs: { participants, results } });
