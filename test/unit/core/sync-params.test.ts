import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { catalog, findProvider, findSyncType, type SyncTypeDef } from "#catalog/index.ts";
import { MAX_PARAM_VALUE_LENGTH, MAX_PARAMS, validateSyncParams } from "#core/sync-params.ts";

function openf1SyncType(id: string): SyncTypeDef {
  const provider = findProvider("openf1");
  const syncType = provider && findSyncType(provider, id);
  if (!syncType) throw new Error(`no openf1/${id}`);
  return syncType;
}

const meetings = openf1SyncType("meetings");
const withoutSchema: SyncTypeDef = { ...meetings, id: "plain", params: undefined };
const syncType = (id: string) => (id === "plain" ? withoutSchema : openf1SyncType(id));

describe("validateSyncParams", () => {
  it.each([
    ["meetings", {}],
    ["meetings", { year: "2024" }],
    ["sessions", { year: "1950" }],
    ["weather", { session_key: "9158" }],
    ["race_control", {}],
    ["plain", {}],
  ])("accepts for %s what its module reads: %j", (id, params) => {
    expect(validateSyncParams(syncType(id), params)).toEqual({ ok: true, params });
  });

  it.each([
    ["meetings", { year: "20x4" }, 'params.year: expected 4 digits, e.g. "2024"'],
    ["meetings", { year: "2024&meeting_key=1" }, 'params.year: expected 4 digits, e.g. "2024"'],
    ["meetings", { year: "" }, "params.year: expected 4 digits"],
    ["weather", { session_key: "1 OR 1=1" }, 'params.session_key: expected a positive integer, e.g. "9158"'],
    ["weather", { session_key: "latest" }, "params.session_key: expected a positive integer"],
    ["weather", { session_key: "0" }, "params.session_key: expected a positive integer"],
    [
      "meetings",
      { meeting_key: "1" },
      'params.meeting_key: not a param of sync type "meetings" (known: year)',
    ],
    ["weather", { year: "2024" }, 'params.year: not a param of sync type "weather" (known: session_key)'],
    ["plain", { year: "2024" }, 'params.year: sync type "plain" takes no params'],
  ])("refuses for %s %j, naming the field", (id, params, problem) => {
    const result = validateSyncParams(syncType(id), params);

    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.problem).toContain(problem);
  });

  it("refuses more params than the bound before looking at any of them", () => {
    const many = Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`p${i}`, "1"]));

    const result = validateSyncParams(meetings, many);

    expect(result).toEqual({ ok: false, problem: `params: at most ${MAX_PARAMS} params, got 2000` });
  });

  it.each([
    ["__proto__", JSON.parse('{"__proto__":"x"}') as Record<string, string>],
    ["a name with spaces", { "year ": "2024" }],
    ["a very long name", { [`y${"e".repeat(100)}`]: "2024" }],
  ])("refuses %s as a param name", (_, params) => {
    const result = validateSyncParams(meetings, params);

    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.problem).toMatch(/^params: ".{1,70}": a param name is/);
  });

  it("refuses a value longer than any param allows, and does not echo it", () => {
    const result = validateSyncParams(withoutSchema, { note: "x".repeat(MAX_PARAM_VALUE_LENGTH + 1) });

    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.problem).toMatch(/^params\.note: /);
    expect(result.ok ? "" : result.problem.length).toBeLessThan(200);
  });

  it("never throws, and what it accepts is only what the sync type declares", () => {
    const keys = fc.constantFrom("year", "session_key", "meeting_key", "__proto__", "constructor", "x y");
    const values = fc.oneof(fc.string({ maxLength: 300 }), fc.stringMatching(/^\d{1,6}$/));
    const syncTypes = fc.constantFrom(...catalog.providers.flatMap((p) => p.syncTypes), withoutSchema);

    fc.assert(
      fc.property(syncTypes, fc.dictionary(keys, values, { maxKeys: 4 }), (type, params) => {
        const result = validateSyncParams(type, params);
        if (!result.ok) {
          expect(result.problem).toMatch(/^params(\.|:)/);
          return;
        }
        const declared = Object.keys(type.params?.shape ?? {});
        for (const [key, value] of Object.entries(result.params)) {
          expect(declared).toContain(key);
          expect(value).toMatch(key === "year" ? /^\d{4}$/ : /^[1-9]\d*$/);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("catalog param schemas", () => {
  const fields = catalog.providers.flatMap((provider) =>
    provider.syncTypes.flatMap((syncType) =>
      Object.entries(syncType.params?.shape ?? {}).map(
        ([name, schema]) => [`${provider.id}/${syncType.id}`, name, schema] as const,
      ),
    ),
  );

  it.each(fields)("%s bounds the length of %s", (_, __, schema) => {
    const string = "unwrap" in schema ? schema.unwrap() : schema;

    expect(string.maxLength).toBeLessThanOrEqual(MAX_PARAM_VALUE_LENGTH);
  });
});
