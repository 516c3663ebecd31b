import { describe, expect, it } from "vitest";
import { drain, failure, json, queryOf, raceBody, rsuError, stubFetch } from "./fixtures.ts";

describe("races", () => {
  it("maps each event of the race, with start and end in the race's timezone offset", async () => {
    // Prepare
    const { fetch, requests } = stubFetch(() => json(200, raceBody()));

    // Act
    const pages = await drain({ syncType: "races", fetch });

    // Assess
    expect(requests.map((r) => r.path)).toEqual(["/race/20261"]);
    expect(queryOf(requests[0]).get("include_event_days")).toBe("T");
    expect(queryOf(requests[0]).get("format")).toBe("json");
    expect(pages).toHaveLength(1);
    expect(pages[0]?.checkpoint).toBeUndefined();
    expect(pages[0]?.entities).toEqual([
      {
        type: "events",
        id: "61001",
        data: {
          eventId: "61001",
          raceId: "20261",
          name: "5K",
          raceName: "Harbour Run",
          startsAt: "2026-04-18T08:00:00-07:00",
          endsAt: "2026-04-18T10:00:00-07:00",
          timezone: "America/Los_Angeles",
          distance: "5K",
        },
      },
      {
        type: "events",
        id: "61002",
        data: {
          eventId: "61002",
          raceId: "20261",
          name: "10K",
          raceName: "Harbour Run",
          startsAt: "2026-04-18T08:30:00-07:00",
          timezone: "America/Los_Angeles",
          distance: "6.2 Miles",
        },
      },
    ]);
  });

  it("yields one page per race, checkpointed at the next race, and resumes there", async () => {
    // Prepare
    const settings = { raceIds: [20261, 20262, 20263] };
    const route = (request: { path: string }) => {
      const raceId = Number(request.path.split("/")[2]);
      return json(200, raceBody({ race_id: raceId, events: [] }));
    };
    const first = stubFetch(route);
    const resumed = stubFetch(route);

    // Act
    const pages = await drain({ syncType: "races", fetch: first.fetch, settings });
    await drain({ syncType: "races", fetch: resumed.fetch, settings, checkpoint: { race: 2 } });

    // Assess
    expect(pages.map((p) => p.checkpoint)).toEqual([{ race: 1 }, { race: 2 }, undefined]);
    expect(resumed.requests.map((r) => r.path)).toEqual(["/race/20263"]);
  });

  it("leaves out times it cannot place: no timezone, or a time off the documented format", async () => {
    // Prepare
    const body = raceBody({ timezone: null });
    const { fetch } = stubFetch(() => json(200, body));

    // Act
    const pages = await drain({ syncType: "races", fetch });

    // Assess
    const data = pages[0]?.entities[0]?.data;
    expect(data).toMatchObject({ eventId: "61001", name: "5K" });
    expect(data).not.toHaveProperty("startsAt");
    expect(data).not.toHaveProperty("timezone");
  });

  it("decodes a URL-encoded race name", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(200, raceBody({ name: "Harbour%20Run%20%26%20Walk" })));

    // Act
    const pages = await drain({ syncType: "races", fetch });

    // Assess
    expect(pages[0]?.entities[0]?.data.raceName).toBe("Harbour Run & Walk");
  });

  it("names the raceIds setting when RunSignUp does not know the race (error 201 with HTTP 200)", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(200, rsuError(201, "Race not found.")));

    // Act
    const error = await failure({ syncType: "races", fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_REJECTED", status: 404 });
    expect((error as Error).message).toContain("race 20261");
    expect((error as Error).message).toContain("raceIds");
  });

  it("treats a race without its events' ids as malformed", async () => {
    // Prepare
    const { fetch } = stubFetch(() => json(200, raceBody({ events: [{ name: "5K" }] })));

    // Act
    const error = await failure({ syncType: "races", fetch });

    // Assess
    expect(error).toMatchObject({ code: "PROVIDER_MALFORMED" });
    expect((error as Error).message).toContain("event_id");
  });
});
