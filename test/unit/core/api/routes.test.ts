import { describe, expect, it } from "vitest";
import { matchTemplate, REST_ROUTES, type RestRoute, resourceOf, routeErrors } from "#core/api/routes.ts";

const route = (id: string) => REST_ROUTES.find((r) => r.operationId === id) as RestRoute;

describe("routeErrors", () => {
  it("adds the codes what a route takes implies, and THROTTLED to all, in status order", () => {
    expect(routeErrors(route("triggerSync"))).toEqual([
      "VALIDATION_ERROR",
      "UNKNOWN_SYNC",
      "UNAUTHORIZED",
      "FORBIDDEN",
      "NOT_FOUND",
      "CONFLICT",
      "PAYLOAD_TOO_LARGE",
      "THROTTLED",
    ]);
    expect(routeErrors(route("getJob"))).toEqual([
      "VALIDATION_ERROR",
      "UNAUTHORIZED",
      "FORBIDDEN",
      "NOT_FOUND",
      "THROTTLED",
    ]);
    expect(routeErrors(route("getHealth"))).toEqual(["THROTTLED"]);
  });
});

describe("matchTemplate", () => {
  it("gives a template's parameters still URL-encoded, and nothing for a path that does not fit", () => {
    expect(matchTemplate("/jobs/{jobId}", "/jobs/m-1%2Fx")).toEqual({ jobId: "m-1%2Fx" });
    expect(matchTemplate("/sync", "/sync")).toEqual({});
    expect(matchTemplate("/jobs/{jobId}", "/jobs/")).toBeUndefined();
    expect(matchTemplate("/jobs/{jobId}", "/jobs/a/b")).toBeUndefined();
    expect(matchTemplate("/sync", "/SYNC")).toBeUndefined();
  });
});

describe("resourceOf", () => {
  it("finds the resource a path falls under, and none for an unknown path", () => {
    expect(resourceOf("/jobs/m-1")).toBe("/jobs/{jobId}");
    expect(resourceOf("/openapi.json")).toBe("/openapi.json");
    expect(resourceOf("/no/such/route")).toBeUndefined();
  });
});
