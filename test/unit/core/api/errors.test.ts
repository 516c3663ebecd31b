import { describe, expect, it } from "vitest";
import { API_ERRORS, type ApiErrorCode } from "#core/api/errors.ts";
import * as errors from "#core/errors.ts";
import { PacerError } from "#core/errors.ts";

/** One instance of every PacerError class errors.ts exports (constructor arguments are dummies). */
function everyPacerError(): PacerError[] {
  return (Object.values(errors) as unknown[])
    .filter((value): value is new (...args: unknown[]) => PacerError => {
      return typeof value === "function" && value.prototype instanceof PacerError;
    })
    .map((ErrorClass) => Reflect.construct(ErrorClass, ["a refusal", 400]) as PacerError);
}

describe("API_ERRORS", () => {
  it("lists every code an API answer carries from a PacerError, with that error's status", () => {
    const answered = everyPacerError().filter((error) => error.httpStatus !== undefined);

    expect(answered.length).toBeGreaterThan(5);
    for (const error of answered) {
      const def = API_ERRORS[error.code as ApiErrorCode];
      expect(def?.status, error.code).toBe(error.httpStatus);
      expect(def?.from, error.code).not.toBe("gateway");
    }
  });
});
