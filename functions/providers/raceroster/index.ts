import { defineProvider } from "#providers/define.ts";
import { raceroster } from "./definition.ts";
import { events } from "./events.ts";
import { participants } from "./participants.ts";

/**
 * Race Roster (https://raceroster.com): the account's events, one Pacer event per sub-event, and
 * their registrants. Participants are read in a shape no public source confirms: see ./README.md
 * for what is assumed and ./mapping.ts for where to correct it.
 */
export const racerosterModule = defineProvider(raceroster, { syncs: { events, participants } });
