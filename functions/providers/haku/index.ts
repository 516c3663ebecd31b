import { defineProvider } from "#providers/define.ts";
import { haku } from "./definition.ts";
import { events } from "./events.ts";
import { participants } from "./participants.ts";

/**
 * Haku (hakuapp.com), a registration platform: an organisation's events, and each event's
 * registrants with bib, chip and birth date. Confidence in the API is low (./README.md).
 */
export const hakuModule = defineProvider(haku, { syncs: { events, participants } });
