import { describe, expect, it } from "vitest";
import type { ConnectionRecord } from "#core/connections/types.ts";
import { ValidationError } from "#core/errors.ts";
import type { RaceEventDeps } from "#core/race/events.ts";
import { createEvent, updateEvent } from "#core/race/events.ts";
import { chronotrack } from "#providers/chronotrack/definition.ts";
import { copernico } from "#providers/copernico/definition.ts";
import { eventBody, raceCatalog, setup } from "./events-fakes.ts";

const COPERNICO = "c-000000000000000000c1";
const CHRONOTRACK = "c-000000000000000000c2";
const RACE_UUID = "5fbe1dc5-deb8-40dd-8a08-2375ac1f13d5";

/** The events world, with acme also connected to Copernico and ChronoTrack (real definitions). */
function withScoringProviders() {
  const world = setup();
  const extra: Record<string, string> = { [COPERNICO]: "copernico", [CHRONOTRACK]: "chronotrack" };
  const deps: RaceEventDeps = {
    ...world.deps,
    catalog: { providers: [...raceCatalog.providers, copernico, chronotrack] },
    connections: {
      get: async (tenantId, connectionId) => {
        const provider = extra[connectionId];
        if (tenantId !== "acme" || provider === undefined)
          return world.deps.connections.get(tenantId, connectionId);
        return { connectionId, tenantId, provider, enabled: true } as ConnectionRecord;
      },
    },
  };
  return { ...world, deps };
}

async function refusal(deps: RaceEventDeps, body: unknown): Promise<string> {
  const error = await createEvent(deps, "acme", body).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return (error as Error).message;
}

describe("scoring.results (the params of the scoring provider's results pull)", () => {
  it("records Copernico's slug and event name and shows them in the event view", async () => {
    // Prepare
    const { deps, events } = withScoringProviders();
    const results = { raceId: "harbour-run-2026", eventName: "10K" };

    // Act
    const view = await createEvent(
      deps,
      "acme",
      eventBody({ scoring: { connectionId: COPERNICO, eventId: RACE_UUID, results } }),
    );

    // Assess
    expect(view.scoring?.results).toEqual(results);
    expect(events.records.get(`acme#${view.eventId}`)?.scoring?.results).toEqual(results);
  });

  it("refuses Copernico params its results sync does not take, naming the field", async () => {
    const { deps } = withScoringProviders();
    const message = await refusal(
      deps,
      eventBody({
        scoring: {
          connectionId: COPERNICO,
          eventId: RACE_UUID,
          results: { raceId: "no spaces", eventName: "10K" },
        },
      }),
    );
    expect(message).toMatch(/^scoring\.results\.raceId: expected a Copernico race slug/);
  });

  it("refuses an unknown param, naming it", async () => {
    const { deps } = withScoringProviders();
    const message = await refusal(
      deps,
      eventBody({
        scoring: {
          connectionId: COPERNICO,
          eventId: RACE_UUID,
          results: { raceId: "harbour-run-2026", eventName: "10K", year: "2026" },
        },
      }),
    );
    expect(message).toMatch(/^scoring\.results\.year: not a param/);
  });

  it("refuses a Copernico target without results params: its results cannot be pulled by the race UUID", async () => {
    const { deps } = withScoringProviders();
    const message = await refusal(
      deps,
      eventBody({ scoring: { connectionId: COPERNICO, eventId: RACE_UUID } }),
    );
    expect(message).toMatch(/^scoring\.results: required: copernico's results take raceId, eventName/);
  });

  it("defaults to {eventId} where the provider's results take it (ChronoTrack)", async () => {
    const { deps } = withScoringProviders();
    const view = await createEvent(
      deps,
      "acme",
      eventBody({ scoring: { connectionId: CHRONOTRACK, eventId: "90001" } }),
    );
    expect(view.scoring?.results).toEqual({ eventId: "90001" });
  });

  it("checks the params a PATCH sets too", async () => {
    // Prepare
    const { deps } = withScoringProviders();
    const created = await createEvent(
      deps,
      "acme",
      eventBody({ scoring: { connectionId: CHRONOTRACK, eventId: "90001" } }),
    );

    // Act
    const error = await updateEvent(deps, "acme", created.eventId, {
      version: created.version,
      scoring: { connectionId: CHRONOTRACK, eventId: "90001", results: { eventId: "not-digits" } },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/^scoring\.results\.eventId: expected a ChronoTrack event id/);
  });
});
