import { describe, expect, it } from "vitest";
import { ConnectionViewSchema } from "#core/connections/schemas.ts";
import {
  createConnection,
  getConnection,
  listConnections,
  updateConnection,
} from "#core/connections/use-cases.ts";
import { clubBody, SECRET, setup } from "./fakes.ts";

const messageOf = (attempt: Promise<unknown>) =>
  attempt.then(
    () => {
      throw new Error("expected a refusal");
    },
    (error: Error) => error.message,
  );

describe("a connection's credentials", () => {
  it("appear in no view, no list and no stored record: only a fingerprint does", async () => {
    const { deps, connections } = setup();
    const created = await createConnection(deps, "acme", clubBody());
    const patched = await updateConnection(deps, "acme", created.connectionId, { tier: "premium" });

    const seen = JSON.stringify([
      created,
      patched,
      await getConnection(deps, "acme", created.connectionId),
      await listConnections(deps, "acme"),
      await connections.listAll(),
    ]);

    expect(seen).not.toContain(SECRET);
    expect(created.credentials?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it("leave no internal field in the view: not the secret's name, not the budget key", async () => {
    const { deps, connections } = setup();
    const view = await createConnection(deps, "acme", clubBody());
    const record = await connections.get("acme", view.connectionId);

    const shown = JSON.stringify(view);

    expect(shown).not.toContain(String(record?.secretName));
    expect(shown).not.toContain(String(record?.budgetKey));
    expect(Object.keys(view).sort()).toEqual(Object.keys(ConnectionViewSchema.shape).sort());
  });

  it("are never quoted in a refusal, whatever the provider's schema would say", async () => {
    const { deps } = setup();
    const { connectionId } = await createConnection(deps, "acme", clubBody());
    const refusals = await Promise.all([
      // The provider's own messages quote the input: "not a live key: …", "too long: …".
      messageOf(createConnection(deps, "acme", clubBody({ credentials: { apiKey: `test${SECRET}` } }))),
      messageOf(createConnection(deps, "acme", clubBody({ credentials: { apiKey: `${SECRET}!` } }))),
      messageOf(createConnection(deps, "acme", clubBody({ credentials: { apiKey: SECRET, other: SECRET } }))),
      messageOf(
        createConnection(deps, "acme", clubBody({ settings: { clubId: 1, label: `key ${SECRET}` } })),
      ),
      messageOf(updateConnection(deps, "acme", connectionId, { credentials: { apiKey: `test${SECRET}` } })),
      messageOf(
        updateConnection(deps, "acme", connectionId, {
          credentials: { apiKey: SECRET },
          settings: { label: `${SECRET}` },
        }),
      ),
    ]);

    expect(refusals).toEqual([
      "credentials.apiKey: not valid",
      "credentials.apiKey: not in the expected format",
      "credentials.other: not a credential of club (known: apiKey)",
      "settings.label: not valid",
      "credentials.apiKey: not valid",
      "settings.label: not valid",
    ]);
  });

  it("give the same fingerprint and budget key for the same credentials, in any key order", async () => {
    const { deps, connections } = setup();
    const a = await createConnection(deps, "acme", {
      provider: "openf1",
      credentials: { username: "u", password: SECRET },
    });
    const b = await createConnection(deps, "globex", {
      provider: "openf1",
      credentials: { password: SECRET, username: "u" },
    });

    const [ra, rb] = [
      await connections.get("acme", a.connectionId),
      await connections.get("globex", b.connectionId),
    ];

    expect(a.credentials).toEqual(b.credentials);
    expect(ra?.budgetKey).toBe(rb?.budgetKey);
    expect(ra?.budgetKey).toMatch(/^k[0-9a-f]{32}$/);
  });

  it("give another fingerprint and budget key for other credentials, or another deployment's key", async () => {
    const { deps, connections } = setup();
    const other = setup({ fingerprintKey: async () => "another deployment" });
    const a = await createConnection(deps, "acme", clubBody());
    const b = await createConnection(deps, "acme", clubBody({ credentials: { apiKey: `${SECRET}2` } }));
    const c = await createConnection(other.deps, "acme", clubBody());

    const keys = [
      (await connections.get("acme", a.connectionId))?.budgetKey,
      (await connections.get("acme", b.connectionId))?.budgetKey,
      (await other.connections.get("acme", c.connectionId))?.budgetKey,
    ];

    expect(new Set([a, b, c].map((v) => v.credentials?.fingerprint)).size).toBe(3);
    expect(new Set(keys).size).toBe(3);
  });
});
