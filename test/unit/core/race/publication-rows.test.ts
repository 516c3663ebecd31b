import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type PublicationRow, planPublication } from "#core/race/publication-rows.ts";
import type { RaceEventRecord } from "#core/race/types.ts";
import type { ResultRow } from "#providers/race/shapes.ts";
import { aParticipant } from "./events-fakes.ts";

const event: RaceEventRecord = {
  tenantId: "acme",
  eventId: "ev-00000000000000000001",
  name: "Harbour 10K",
  startsAt: "2026-05-03T08:00:00Z",
  registration: [
    { connectionId: "c-000000000000000000a1", provider: "signup", eventId: "500" },
    { connectionId: "c-000000000000000000a2", provider: "roster", eventId: "77" },
  ],
  scoring: { connectionId: "c-000000000000000000a3", provider: "timing", eventId: "900" },
  createdAt: "2026-04-01T09:00:00Z",
  updatedAt: "2026-04-01T09:00:00Z",
  version: 1,
};

/** Runner n: bib 100+n, on signup; every third also on roster; every fifth cancelled. */
const participants = Array.from({ length: 30 }, (_, n) =>
  aParticipant(`p-${n.toString(16).padStart(20, "0")}`, {
    fields: { firstName: `R${n}`, lastName: "Runner", bib: String(100 + n) },
    sources: [`signup:500:${n}`, ...(n % 3 === 0 ? [`roster:77:${n}`] : [])],
    cancelled: n % 5 === 4,
  }),
);

const resultRow = fc.record({
  n: fc.integer({ min: 0, max: 40 }),
  place: fc.integer({ min: 1, max: 500 }),
  gunTimeMs: fc.integer({ min: 600_000, max: 20_000_000 }),
  preliminary: fc.boolean(),
});
const rowsOf = (
  specs: readonly {
    n: number;
    place: number;
    gunTimeMs: number;
    preliminary: boolean;
  }[],
) => {
  // One row per bib (a scoring provider's result id): the first spec for a bib stands.
  const seen = new Set<number>();
  return specs.flatMap((s): { id: string; row: ResultRow }[] => {
    if (seen.has(s.n)) return [];
    seen.add(s.n);
    const row: ResultRow = {
      eventId: "900",
      bib: String(100 + s.n),
      place: s.place,
      gunTimeMs: s.gunTimeMs,
      preliminary: s.preliminary,
    };
    return [{ id: `${row.eventId}:${row.bib}`, row }];
  });
};

describe("planPublication", () => {
  it("plans the same rows and diff whatever order the results and participants come in", () => {
    fc.assert(
      fc.property(fc.array(resultRow, { maxLength: 40 }), fc.integer(), (specs, seed) => {
        const results = rowsOf(specs);
        const shuffled = [...results].sort((a, b) => hash(a.id, seed) - hash(b.id, seed));
        const people = [...participants].sort(
          (a, b) => hash(a.participantId, seed) - hash(b.participantId, seed),
        );
        const plan = (r: typeof results, p: typeof participants) =>
          planPublication({ event, kind: "final", results: r, participants: p, published: () => [] });

        expect(plan(shuffled, people)).toEqual(plan(results, participants));
      }),
    );
  });

  it("never holds a row of the other kind, or for a cancelled participant", () => {
    fc.assert(
      fc.property(fc.array(resultRow, { maxLength: 40 }), (specs) => {
        const plan = planPublication({
          event,
          kind: "final",
          results: rowsOf(specs),
          participants,
          published: () => [],
        });

        const bibs = plan.targets.flatMap((t) => t.added.map((row) => Number(row.result.bib) - 100));
        const allowed = new Set(specs.filter((s) => !s.preliminary).map((s) => s.n));
        for (const n of bibs) {
          expect(allowed.has(n)).toBe(true);
          expect(n % 5).not.toBe(4);
        }
        expect(plan.matched + plan.unmatched).toBe(plan.results);
      }),
    );
  });

  it("finds nothing changed when the rows published are the rows planned", () => {
    fc.assert(
      fc.property(fc.array(resultRow, { maxLength: 40 }), (specs) => {
        const input = { event, kind: "final" as const, results: rowsOf(specs), participants };
        const first = planPublication({ ...input, published: () => [] });
        const publishedRows = (provider: string): PublicationRow[] =>
          first.targets.filter((t) => t.feed.provider === provider).flatMap((t) => t.added);

        const second = planPublication({ ...input, published: publishedRows });

        for (const target of second.targets) {
          expect([target.added.length, target.changed.length, target.removed.length]).toEqual([0, 0, 0]);
          expect(target.unchanged).toBe(target.rows);
        }
      }),
    );
  });
});

/** A deterministic shuffle key. */
function hash(text: string, seed: number): number {
  let h = seed | 0;
  for (const char of text) h = Math.imul(h ^ char.charCodeAt(0), 2654435761);
  return h >>> 0;
}
