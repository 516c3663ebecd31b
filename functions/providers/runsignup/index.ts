import { defineProvider } from "#providers/define.ts";
import { runsignup } from "./definition.ts";
import { participants } from "./participants.ts";
import { publish } from "./publish.ts";
import { races } from "./races.ts";

/**
 * RunSignUp (https://runsignup.com): the events of the races a connection follows, and their
 * registrations, incrementally (`modified_after_timestamp` per event, `after_registration_id`
 * paging) with removed registrations kept as cancelled; and, once a person approved them, an
 * event's results posted back to a result set per kind. Params arrive parsed by the definition's
 * schemas (digits only), so they go into paths as they are.
 */
export const runsignupModule = defineProvider(runsignup, { syncs: { races, participants, publish } });
