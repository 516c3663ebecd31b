import { describe, expect, it } from "vitest";
import { startHealthMonitor } from "../../../local/health.ts";
import type { LocalLog } from "../../../local/log.ts";

function recordingLog() {
  const lines: string[] = [];
  const log: LocalLog = {
    info: (m) => lines.push(`info ${m}`),
    debug: () => {},
    warn: (m) => lines.push(`warn ${m}`),
    notice: (m) => lines.push(`notice ${m}`),
  };
  return { log, lines };
}

/** A dependency whose probe answers while `up` is true. */
function switchable(name: string) {
  const dependency = {
    up: true,
    name,
    affects: "everything that needs it",
    probe: async () => {
      if (!dependency.up) throw new Error("connect ECONNREFUSED");
    },
  };
  return dependency;
}

describe("startHealthMonitor", () => {
  it("reports an outage once, with since when and what it affects, then its recovery once", async () => {
    const { log, lines } = recordingLog();
    let now = Date.parse("2026-03-01T10:00:00.000Z");
    const db = switchable("DynamoDB Local (http://127.0.0.1:1)");
    const monitor = startHealthMonitor({
      dependencies: { dynamodb: db },
      log,
      now: () => now,
      everyMs: 60_000,
    });

    db.up = false;
    for (let i = 0; i < 5; i++) {
      await monitor.check();
      now += 2_000;
    }
    expect(monitor.status().dynamodb).toMatchObject({ up: false, downSince: "2026-03-01T10:00:00.000Z" });
    db.up = true;
    await monitor.check();
    await monitor.check();
    monitor.stop();

    expect(lines).toEqual([
      "warn DynamoDB Local (http://127.0.0.1:1) is down since 2026-03-01T10:00:00.000Z (Error: connect ECONNREFUSED). " +
        "Affected: everything that needs it. Repeated warnings are held back until it is back.",
      "notice DynamoDB Local (http://127.0.0.1:1) is back after 10.0 s",
    ]);
    expect(monitor.status().dynamodb).toEqual({ up: true });
  });

  it("does not report a single failed check (one slow answer under load)", async () => {
    const { log, lines } = recordingLog();
    const db = switchable("db");
    const monitor = startHealthMonitor({ dependencies: { db }, log, everyMs: 60_000 });

    db.up = false;
    await monitor.check();
    db.up = true;
    await monitor.check();
    monitor.stop();

    expect(lines).toEqual([]);
  });

  it("holds back other warnings while an outage is reported, and counts them in the recovery", async () => {
    const { log, lines } = recordingLog();
    const sqs = switchable("the SQS emulator");
    const monitor = startHealthMonitor({ dependencies: { sqs }, log, everyMs: 60_000 });
    const quiet = monitor.quiet(log);

    quiet.warn("before the outage");
    sqs.up = false;
    await monitor.check();
    await monitor.check();
    quiet.warn("receive failed");
    quiet.warn("receive failed");
    sqs.up = true;
    await monitor.check();
    quiet.warn("after it");
    monitor.stop();

    expect(lines[0]).toBe("warn before the outage");
    expect(lines[1]).toMatch(/^warn the SQS emulator is down since /);
    expect(lines[2]).toMatch(
      /^notice the SQS emulator is back after .* s \(2 warnings held back meanwhile\)$/,
    );
    expect(lines[3]).toBe("warn after it");
    expect(lines).toHaveLength(4);
  });

  it("reports a process that exited at once, and a planned restart not at all", async () => {
    const { log, lines } = recordingLog();
    const db = switchable("db");
    const monitor = startHealthMonitor({
      dependencies: { db, "fake:openf1": { name: "the fake openf1 provider", affects: "openf1 calls" } },
      log,
      everyMs: 60_000,
    });
    const quiet = monitor.quiet(log);

    await monitor.during("db", async () => {
      db.up = false;
      await monitor.check();
      await monitor.check();
      quiet.warn("batch failed");
      expect(monitor.status().db).toMatchObject({ up: false, cause: "restarting" });
      db.up = true;
    });
    await monitor.check();
    monitor.markDown("fake:openf1", "its process was killed by SIGKILL");
    monitor.markDown("fake:openf1", "its process was killed by SIGKILL");
    monitor.stop();

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^warn the fake openf1 provider is down since .* \(its process was killed by SIGKILL\)/,
    );
    expect(monitor.status()).toMatchObject({ db: { up: true }, "fake:openf1": { up: false } });
  });

  it("holds back only the warnings of the outages asked about", async () => {
    const { log, lines } = recordingLog();
    const monitor = startHealthMonitor({
      dependencies: { sqs: switchable("sqs"), "fake:openf1": { name: "fake", affects: "openf1 calls" } },
      log,
      everyMs: 60_000,
    });

    monitor.markDown("fake:openf1", "its process exited with code 1");
    monitor.quiet(log, ["sqs"]).warn("receive failed");
    monitor.stop();

    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^warn fake is down since .*Affected: openf1 calls\.$/);
    expect(lines[1]).toBe("warn receive failed");
  });
});
