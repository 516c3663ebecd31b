import { defineProvider } from "#providers/define.ts";
import { callZr } from "./client.ts";
import { connectionOf } from "./connection.ts";
import { zwiftracing } from "./definition.ts";
import { eventResults, events, results, signups } from "./events.ts";
import { riderEntity } from "./mapping.ts";
import { clubMembers, riderStats } from "./members.ts";
import { riderSchema } from "./schemas.ts";

/**
 * ZwiftRacing.app (https://www.zwiftracing.app): a club's members and their vELO and power data,
 * event results, and (experimental, undocumented endpoints) upcoming events and their signups.
 * Every sync parses the connection first (./connection.ts); params arrive parsed by the
 * definition's schemas (Zwift ids, digits only), so they go into paths as they are.
 */
export const zwiftracingModule = defineProvider(zwiftracing, {
  syncs: {
    clubMembers,
    riderStats,
    async *rider(run) {
      const { context } = connectionOf(run);
      const { riderId } = run.params;
      const path = `/public/riders/${riderId}`;
      const notFound = (detail: string) => `rider ${riderId} not found${detail === "" ? "" : ` (${detail})`}`;
      const rider = await callZr(context, { method: "GET", path }, riderSchema, notFound);
      yield { entities: [riderEntity(rider)] };
    },
    results,
    eventResults,
    events,
    signups,
  },
});
