import { describe, expect, it } from "vitest";
import {
  type ConsoleOptions,
  consoleWriter,
  renderConsoleChunk,
  renderConsoleLine,
} from "../../../local/run/console-lines.ts";
import { clockTime } from "../../../local/run/terminal.ts";

const TIMESTAMP = "2026-12-02T01:24:25.622Z";
const TIME = clockTime(TIMESTAMP);

/** A Powertools Logger line as a handler writes it. */
const powertoolsLine = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    level: "WARN",
    message: "permit voided",
    timestamp: TIMESTAMP,
    service: "pacer",
    cold_start: false,
    function_arn: "arn:aws:lambda:us-east-1:000000000000:function:pacer-local-worker-openf1",
    function_memory_size: "1024",
    function_name: "pacer-local-worker-openf1",
    function_request_id: "9e975808-c56e-40d8-930d-032111e558fb",
    sampling_rate: 0,
    jobId: "m-1a2b",
    ...fields,
  });

/** An EMF blob as Powertools Metrics flushes it. */
const emfLine = JSON.stringify({
  _aws: {
    Timestamp: Date.parse(TIMESTAMP),
    CloudWatchMetrics: [
      {
        Namespace: "Pacer",
        Dimensions: [["service", "provider"]],
        Metrics: [
          { Name: "JobSucceeded", Unit: "Count" },
          { Name: "ProviderLatencyMs", Unit: "Milliseconds" },
        ],
      },
    ],
  },
  service: "pacer",
  provider: "openf1",
  JobSucceeded: [1, 1],
  ProviderLatencyMs: [30, 37],
});

const terminal: ConsoleOptions = { pretty: true, color: false, metrics: false };
const pipe: ConsoleOptions = { pretty: false, color: false, metrics: false };

describe("renderConsoleLine", () => {
  it("renders a handler's log as one readable line on a terminal", () => {
    const line = renderConsoleLine(powertoolsLine(), terminal);

    expect(line).toBe(`${TIME}  WARN   worker-openf1   permit voided  jobId=m-1a2b`);
  });

  it("shows an error's name, message and where it was thrown", () => {
    const error = {
      name: "TypeError",
      message: "boom",
      location: "/work/functions/core/x.ts:12",
      stack: "…",
    };

    const line = renderConsoleLine(powertoolsLine({ level: "ERROR", error }), terminal);

    expect(line).toContain('error="TypeError: boom (x.ts:12)"');
    expect(line).not.toContain("…");
  });

  it("keeps JSON lines as they are when not on a terminal", () => {
    const json = powertoolsLine();

    expect(renderConsoleLine(json, pipe)).toBe(json);
  });

  it("drops EMF blobs unless metrics are asked for", () => {
    expect(renderConsoleLine(emfLine, terminal)).toBeUndefined();
    expect(renderConsoleLine(emfLine, pipe)).toBeUndefined();
    expect(renderConsoleLine(emfLine, { ...pipe, metrics: true })).toBe(emfLine);
  });

  it("renders asked-for metrics on a terminal: counts summed, other values listed", () => {
    const line = renderConsoleLine(emfLine, { ...terminal, metrics: true });

    expect(line).toBe(
      `${TIME}  EMF    metrics         JobSucceeded 2 · ProviderLatencyMs 30,37  provider=openf1`,
    );
  });

  it("drops Powertools' notice of a flush without metrics unless raw metrics are asked for", () => {
    const notice = "No application metrics to publish. The cold-start metric may be published if enabled.";

    expect(renderConsoleLine(notice, pipe)).toBeUndefined();
    expect(renderConsoleLine(notice, terminal)).toBeUndefined();
    expect(renderConsoleLine(notice, { ...pipe, metrics: true })).toBe(notice);
  });

  it("leaves the stand-in's own lines, and JSON that is no log, alone", () => {
    expect(renderConsoleLine("[pacer-local] tables created", terminal)).toBe("[pacer-local] tables created");
    expect(renderConsoleLine('{"not":"a log"}', terminal)).toBe('{"not":"a log"}');
  });
});

describe("renderConsoleChunk", () => {
  it("renders each whole line of a chunk and keeps a trailing partial line", () => {
    const chunk = `[pacer-local] one\n${emfLine}\n${powertoolsLine()}\npartial`;

    expect(renderConsoleChunk(chunk, terminal)).toBe(
      `[pacer-local] one\n${TIME}  WARN   worker-openf1   permit voided  jobId=m-1a2b\npartial`,
    );
  });
});

describe("consoleWriter", () => {
  it("sends what is shown on, and still calls back for what is dropped", async () => {
    // Prepare
    const written: string[] = [];
    const write = consoleWriter((text) => {
      written.push(text);
      return true;
    }, pipe);

    // Act
    write(`${powertoolsLine()}\n`);
    const calledBack = new Promise<void>((resolve) => write(`${emfLine}\n`, () => resolve()));

    // Assess
    await expect(calledBack).resolves.toBeUndefined();
    expect(written).toEqual([`${powertoolsLine()}\n`]);
  });
});
