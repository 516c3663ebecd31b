import { describe, expect, it } from "vitest";
import { createConnection, updateConnection } from "#core/connections/use-cases.ts";
import { ConflictError, ValidationError } from "#core/errors.ts";
import { clubBody, SECRET, setup } from "./fakes.ts";

async function connected(options: Parameters<typeof setup>[0] = {}) {
  const world = setup(options);
  const view = await createConnection(world.deps, "acme", clubBody());
  world.schedules.calls.length = 0;
  return { ...world, id: view.connectionId };
}

describe("updateConnection", () => {
  it("disabling removes its schedules, and enabling puts them back", async () => {
    const { deps, schedules, id } = await connected();

    const disabled = await updateConnection(deps, "acme", id, { enabled: false });

    expect(disabled).toMatchObject({ enabled: false, version: 2 });
    expect(disabled.syncTypes.every((s) => !s.scheduled)).toBe(true);
    expect(schedules.names()).toEqual([]);
    expect(schedules.calls).toEqual([{ op: "remove", names: [`${id}.members`] }]);

    const enabled = await updateConnection(deps, "acme", id, { enabled: true });

    expect(enabled).toMatchObject({ enabled: true, version: 3 });
    expect(schedules.names()).toEqual([`${id}.members`]);
  });

  it("turning a required setting on schedules its sync type, and off removes exactly that one", async () => {
    const { deps, schedules, connections, id } = await connected();

    const on = await updateConnection(deps, "acme", id, { settings: { experimental: true } });

    expect(on.settings).toEqual({ clubId: 42, experimental: true });
    expect(on.syncTypes.find((s) => s.syncType === "insights")).toMatchObject({
      scheduled: true,
      enabled: true,
    });
    expect(schedules.names()).toEqual([`${id}.insights`, `${id}.members`]);
    expect(schedules.active.get(`${id}.insights`)?.expression).toBe("cron(0 4 * * ? *)");
    schedules.calls.length = 0;

    await updateConnection(deps, "acme", id, { settings: { experimental: false } });

    expect(schedules.names()).toEqual([`${id}.members`]);
    expect(schedules.calls.filter((c) => c.op === "remove")).toEqual([
      { op: "remove", names: [`${id}.insights`] },
    ]);
    expect((await connections.get("acme", id))?.schedules).toEqual([`${id}.members`]);
  });

  it("changes settings of a disabled connection without scheduling anything", async () => {
    const { deps, schedules, id } = await connected();
    await updateConnection(deps, "acme", id, { enabled: false });

    const view = await updateConnection(deps, "acme", id, { settings: { experimental: true } });

    expect(view.syncTypes.find((s) => s.syncType === "insights")).toMatchObject({
      scheduled: false,
      enabled: true,
    });
    expect(schedules.names()).toEqual([]);
  });

  it("removes a setting patched to null, then checks the settings whole", async () => {
    const { deps, id } = await connected();
    await updateConnection(deps, "acme", id, { settings: { label: "first" } });

    const view = await updateConnection(deps, "acme", id, { settings: { label: null } });

    expect(view.settings).toEqual({ clubId: 42 });
    await expect(updateConnection(deps, "acme", id, { settings: { clubId: null } })).rejects.toThrow(
      "settings.clubId: required",
    );
  });

  it("changes the tier, and with it the limits shown, without touching schedules", async () => {
    const { deps, schedules, id } = await connected();

    const view = await updateConnection(deps, "acme", id, { tier: "premium" });

    expect(view.tier).toBe("premium");
    expect(view.limits.find((l) => l.limitId === "per-key")?.calls).toBe(50);
    expect(schedules.calls).toEqual([]);
  });

  it("rotates the credentials: new secret value, new fingerprint and budget key", async () => {
    const { deps, secrets, connections, id } = await connected();
    const before = await connections.get("acme", id);

    const view = await updateConnection(deps, "acme", id, { credentials: { apiKey: "Rotated0Key" } });

    const after = await connections.get("acme", id);
    expect(secrets.values.get(`pacer/connections/${id}`)).toEqual({ apiKey: "Rotated0Key" });
    expect(view.credentials?.fingerprint).not.toBe(before?.credentialsFingerprint);
    expect(after?.budgetKey).not.toBe(before?.budgetKey);
    expect(after?.secretName).toBe(before?.secretName);
  });

  it("refuses a change written over a version that is no longer current", async () => {
    const { deps, connections, id } = await connected();
    connections.beforeUpdate = () => {
      connections.touch({ tenantId: "acme", connectionId: id });
      connections.beforeUpdate = undefined;
    };

    const attempt = updateConnection(deps, "acme", id, { tier: "premium" });

    await expect(attempt).rejects.toThrow(ConflictError);
    await expect(attempt).rejects.toThrow("the connection changed meanwhile; read it again");
    expect((await connections.get("acme", id))?.tier).toBe("standard");
  });

  it("does not rotate the secret when the change conflicts", async () => {
    const { deps, connections, secrets, id } = await connected();
    connections.beforeUpdate = () => connections.touch({ tenantId: "acme", connectionId: id });

    await expect(
      updateConnection(deps, "acme", id, { credentials: { apiKey: "Other1Key" } }),
    ).rejects.toThrow(ConflictError);

    expect(secrets.values.get(`pacer/connections/${id}`)).toEqual({ apiKey: SECRET });
  });

  it("refuses an empty patch, an unknown field and a bad tier, naming them", async () => {
    const { deps, id } = await connected();

    await expect(updateConnection(deps, "acme", id, {})).rejects.toThrow(
      "body: at least one of enabled, tier, credentials, settings, activeHours, refreshOnRead",
    );
    await expect(updateConnection(deps, "acme", id, { provider: "openf1" })).rejects.toThrow(
      "provider: not a field of the body (known: enabled, tier, credentials, settings, activeHours, refreshOnRead)",
    );
    await expect(updateConnection(deps, "acme", id, { tier: "gold" })).rejects.toThrow(ValidationError);
    await expect(updateConnection(deps, "acme", id, { enabled: "yes" })).rejects.toThrow("enabled:");
  });
});
