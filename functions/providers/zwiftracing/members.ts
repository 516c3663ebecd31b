import { ProviderMalformedError } from "#core/errors.ts";
import type { SyncRunOf } from "#providers/define.ts";
import type { EntityRef, Page } from "#providers/types.ts";
import { callZr } from "./client.ts";
import { connectionOf, resumeAfter } from "./connection.ts";
import type { zwiftracing } from "./definition.ts";
import { clubEntity, memberEntity, memberId, riderEntity, riderIdOfMember } from "./mapping.ts";
import { clubPageSchema, ridersSchema } from "./schemas.ts";

type Run<Id extends "clubMembers" | "riderStats"> = SyncRunOf<typeof zwiftracing, Id>;

/** ZR's page size for clubs, and its most ids per bulk rider call. */
export const CLUB_PAGE_SIZE = 1_000;
export const BULK_MAX_IDS = 1_000;

/**
 * The club's active members, a keyset page of up to 1000 (by riderId) per call. A page covers the
 * riderIds after the previous page's last one up to its own last one (the last page: all the
 * rest), so a stored member in that range the page does not list has left the club.
 */
export async function* clubMembers(run: Run<"clubMembers">): AsyncGenerator<Page> {
  const { settings, context } = connectionOf(run);
  const { clubId } = settings;
  const stored = (await run.store.list("members"))
    .map((member) => riderIdOfMember(clubId, member.id))
    .filter((id) => id !== undefined);
  const notFound = (detail: string) =>
    `club ${clubId} not found (${detail || "404"}); check the connection's clubId setting`;

  let after = resumeAfter(run.checkpoint);
  for (;;) {
    const path = `/public/clubs/${clubId}/${after}`;
    const { name, riders } = await callZr(context, { method: "GET", path }, clubPageSchema, notFound);
    const full = riders.length >= CLUB_PAGE_SIZE;
    const last = riders.at(-1)?.riderId;
    // A full page that does not move the cursor forward would be asked for again forever.
    if (full && (last === undefined || last <= after))
      throw new ProviderMalformedError(
        `ZwiftRacing.app ${path} answered a full page ending at riderId ${last}, not after ${after}`,
      );
    const upTo = full && last !== undefined ? last : Number.POSITIVE_INFINITY;
    const listed = new Set(riders.map((rider) => rider.riderId));
    const removed: EntityRef[] = stored
      .filter((id) => id > after && id <= upTo && !listed.has(id))
      .map((id) => ({ type: "members", id: memberId(clubId, id) }));
    const entities = [
      ...(after === 0 ? [clubEntity(clubId, name, riders)] : []),
      ...riders.map((rider) => memberEntity(clubId, rider)),
    ];
    const page = { entities, ...(removed.length > 0 && { removed }) };
    if (!full || last === undefined) {
      yield page;
      return;
    }
    yield { ...page, checkpoint: { after: last } };
    after = last;
  }
}

/**
 * Full rider data for the club's stored members and the riders added by hand, in ascending
 * riderId order, up to 1000 per bulk call. ZR omitting a rider from its answer says nothing
 * about the rider, so nothing is removed.
 */
export async function* riderStats(run: Run<"riderStats">): AsyncGenerator<Page> {
  const { settings, context } = connectionOf(run);
  const [members, riders] = await Promise.all([run.store.list("members"), run.store.list("riders")]);
  const ids = new Set<number>();
  for (const member of members) {
    const id = riderIdOfMember(settings.clubId, member.id);
    if (id !== undefined) ids.add(id);
  }
  for (const rider of riders) if (/^\d+$/.test(rider.id)) ids.add(Number(rider.id));

  const after = resumeAfter(run.checkpoint);
  const pending = [...ids].filter((id) => id > after).sort((a, b) => a - b);
  for (let start = 0; start < pending.length; start += BULK_MAX_IDS) {
    const chunk = pending.slice(start, start + BULK_MAX_IDS);
    const answer = await callZr(
      context,
      { method: "POST", path: "/public/riders", body: chunk },
      ridersSchema,
    );
    const entities = answer.map(riderEntity);
    const last = chunk.at(-1);
    const more = start + BULK_MAX_IDS < pending.length;
    yield more && last !== undefined ? { entities, checkpoint: { after: last } } : { entities };
  }
}
