import { ProviderMalformedError, ValidationError } from "#core/errors.ts";
import type { SyncRunOf } from "#providers/define.ts";
import { RACE_ENTITY, type ResultKind } from "#providers/race/shapes.ts";
import type { Checkpoint, Entity, Page } from "#providers/types.ts";
import { callRsu, type RsuContext } from "./client.ts";
import { connectionOf } from "./connection.ts";
import type { runsignup } from "./definition.ts";
import { resultRow } from "./mapping.ts";
import {
  newResultSetResponseSchema,
  postResultsResponseSchema,
  type RsuResultSet,
  resultSetsResponseSchema,
  type StoredPublishedResult,
  storedPublishedResultSchema,
} from "./schemas.ts";

type Run = SyncRunOf<typeof runsignup, "publish">;

/** Rows per full-results call: Pacer's choice (RunSignUp documents no maximum). */
export const RESULTS_BATCH_SIZE = 250;

/** Ledger reads in flight at once: an event of thousands is not asked about one by one. */
const LEDGER_READS = 25;

/**
 * The result set each kind goes to, one per kind and event: a runner's preliminary and final
 * result never share a set, and RunSignUp's own `preliminary_results` flag says which is which.
 */
export const RESULT_SETS: Readonly<Record<ResultKind, { name: string; preliminary: "T" | "F" }>> = {
  final: { name: "Results", preliminary: "F" },
  preliminary: { name: "Preliminary results", preliminary: "T" },
};

interface Pending {
  readonly entity: Entity;
  readonly result: StoredPublishedResult;
}

/** Where a run stands: the set it posts to, and the last registration_id already posted. */
interface Position {
  readonly setId: number;
  readonly after: number;
}

/**
 * Posts an event's approved results of one kind (the `published_results` Pacer's publication
 * stored) that changed since their last post, in registration_id order, one batch per call, to
 * the kind's result set (found by name, created when missing). Each row is remembered once its
 * batch was accepted; the checkpoint holds the set's id and the last registration_id posted, so
 * a resumed run neither looks the set up again nor posts a batch twice. Nothing changed: no call.
 */
export async function* publish(run: Run): AsyncGenerator<Page> {
  const { context } = connectionOf(run);
  const { eventId } = run.params;
  // The definition's params pattern admits these two only.
  const kind: ResultKind = run.params.kind === "preliminary" ? "preliminary" : "final";
  const raceId = await raceOf(run, eventId);
  const resumed = positionOf(run.checkpoint);
  const pending = await changedResults(run, eventId, kind, resumed?.after ?? 0);
  if (pending.length === 0) {
    yield { entities: [] };
    return;
  }

  const subject = `event ${eventId} of race ${raceId}`;
  let setId = resumed?.setId;
  if (setId === undefined) {
    setId = await resultSetFor(context, raceId, eventId, kind, subject);
    // Found or made: a run stopped before its first post goes on with this set.
    yield { entities: [], checkpoint: checkpointOf({ setId, after: 0 }) };
  }
  for (let start = 0; start < pending.length; start += RESULTS_BATCH_SIZE) {
    const batch = pending.slice(start, start + RESULTS_BATCH_SIZE);
    await callRsu(
      context,
      {
        path: `/race/${raceId}/results/full-results`,
        subject: `result set ${setId} of ${subject}`,
        form: {
          event_id: eventId,
          individual_result_set_id: String(setId),
          request_format: "json",
          // UNVERIFIED: the rows' key; the virtual-results sibling uses `virtual_results`.
          request: JSON.stringify({ results: batch.map(({ result }) => resultRow(result)) }),
        },
      },
      postResultsResponseSchema,
    );
    for (const { entity } of batch)
      await run.pushed.remember(RACE_ENTITY.publishedResults, entity.id, entity.data);
    const last = Number(batch.at(-1)?.result.registrationId ?? 0);
    const more = start + RESULTS_BATCH_SIZE < pending.length;
    yield more ? { entities: [], checkpoint: checkpointOf({ setId, after: last }) } : { entities: [] };
  }
}

/** The event's race, from the `events` the races sync stored. */
async function raceOf(run: Run, eventId: string): Promise<string> {
  const event = await run.store.get(RACE_ENTITY.events, eventId);
  const raceId = event?.data.raceId;
  if (typeof raceId !== "string" || !/^\d{1,12}$/.test(raceId))
    throw new ValidationError(
      `params.eventId: RunSignUp event ${eventId} is not among this connection's stored events; sync races first`,
    );
  return raceId;
}

/** The event's stored results of `kind` after `after`, in registration_id order, that changed since their last post. */
async function changedResults(
  run: Run,
  eventId: string,
  kind: ResultKind,
  after: number,
): Promise<Pending[]> {
  const stored = (await run.store.list(RACE_ENTITY.publishedResults))
    .filter((entity) => entity.data.eventId === eventId && entity.data.kind === kind)
    .map((entity) => ({ entity, result: resultOf(entity) }))
    .filter(({ result }) => Number(result.registrationId) > after)
    .sort((a, b) => Number(a.result.registrationId) - Number(b.result.registrationId));
  const pending: Pending[] = [];
  for (let start = 0; start < stored.length; start += LEDGER_READS) {
    const chunk = stored.slice(start, start + LEDGER_READS);
    const changed = await Promise.all(
      chunk.map(({ entity }) => run.pushed.changed(RACE_ENTITY.publishedResults, entity.id, entity.data)),
    );
    pending.push(...chunk.filter((_, index) => changed[index]));
  }
  return pending;
}

function resultOf(entity: Entity): StoredPublishedResult {
  const parsed = storedPublishedResultSchema.safeParse(entity.data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ValidationError(
    `stored published result ${entity.id} has no valid "${issue?.path.join(".") ?? ""}" (${issue?.message ?? "invalid"}): it cannot be posted to RunSignUp`,
  );
}

/** The kind's set of the event: the one RunSignUp has by that name and flag, else a new one. */
async function resultSetFor(
  context: RsuContext,
  raceId: string,
  eventId: string,
  kind: ResultKind,
  subject: string,
): Promise<number> {
  const found = await findSet(context, raceId, eventId, kind, subject);
  if (found !== undefined) return found;
  const { name, preliminary } = RESULT_SETS[kind];
  const created = await callRsu(
    context,
    {
      path: `/race/${raceId}/results/new-result-set`,
      subject,
      form: {
        event_id: eventId,
        request_format: "json",
        request: JSON.stringify({
          individual_result_set_name: name,
          public_results: "T",
          preliminary_results: preliminary,
          pace_type: "T",
        }),
      },
    },
    newResultSetResponseSchema,
  );
  if (created.individual_result_set_id != null) return created.individual_result_set_id;
  // UNVERIFIED answer: without an id in it, the set is found by its name like any other.
  const again = await findSet(context, raceId, eventId, kind, subject);
  if (again !== undefined) return again;
  throw new ProviderMalformedError(
    `RunSignUp /race/${raceId}/results/new-result-set answered, but ${subject} lists no result set "${name}"`,
  );
}

async function findSet(
  context: RsuContext,
  raceId: string,
  eventId: string,
  kind: ResultKind,
  subject: string,
): Promise<number | undefined> {
  const sets = await callRsu(
    context,
    { path: `/race/${raceId}/results/get-result-sets`, query: `event_id=${eventId}`, subject },
    resultSetsResponseSchema,
  );
  const { name, preliminary } = RESULT_SETS[kind];
  const isKind = (set: RsuResultSet) =>
    set.individual_result_set_name.trim() === name && (set.preliminary_results ?? "F") === preliminary;
  return sets.find(isKind)?.individual_result_set_id;
}

function checkpointOf(position: Position): Checkpoint {
  return { setId: position.setId, after: position.after };
}

const count = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : undefined;

/** The position of a checkpoint this module yielded; undefined for none (or one it cannot read). */
function positionOf(checkpoint: Checkpoint | undefined): Position | undefined {
  const setId = count(checkpoint?.setId);
  const after = count(checkpoint?.after);
  return setId === undefined || after === undefined ? undefined : { setId, after };
}
