import { describe, expect, it } from "vitest";
import type { RunningStack } from "../../../../local/cli/discovery.ts";
import { CliError, UsageError } from "../../../../local/cli/errors.ts";
import type { SavedLogin } from "../../../../local/cli/login-store.ts";
import { requireToken, requireWs, resolveTarget, type TargetInputs } from "../../../../local/cli/target.ts";

const NOW = Date.parse("2026-12-02T10:00:00Z");

const localStack: RunningStack = {
  api: "http://127.0.0.1:4100",
  ws: "ws://127.0.0.1:4101",
  token: "local-token",
  tenantId: "default",
  pid: 4242,
  startedAt: "2026-12-02T09:00:00.000Z",
};

const login: SavedLogin = {
  idToken: "id-token",
  expiresAt: "2026-12-02T10:30:00.000Z",
  username: "ops@example.com",
  tenantId: "acme",
  userPoolId: "eu-west-1_Pool",
  clientId: "client",
  api: "https://abc.execute-api.eu-west-1.amazonaws.com/v1",
  ws: "wss://def.execute-api.eu-west-1.amazonaws.com/live",
  savedAt: "2026-12-02T09:30:00.000Z",
};

function inputs(overrides: Partial<TargetInputs>): TargetInputs {
  return { flags: {}, env: {}, nowMs: NOW, ...overrides };
}

describe("resolveTarget", () => {
  it("finds a running local stack by itself", () => {
    const target = resolveTarget(inputs({ runningStack: localStack }));

    expect(target).toEqual({
      api: "http://127.0.0.1:4100",
      ws: "ws://127.0.0.1:4101",
      token: "local-token",
      source: "local",
      localTenant: "default",
    });
  });

  it("takes flags over the environment, and the environment's names are the test suite's", () => {
    const env = {
      PACER_API_URL: "https://env.example/v1",
      PACER_WS_URL: "wss://env.example/live",
      PACER_TOKEN: "env",
    };

    expect(resolveTarget(inputs({ env }))).toEqual({
      api: "https://env.example/v1",
      ws: "wss://env.example/live",
      token: "env",
      source: "env",
    });
    expect(resolveTarget(inputs({ env, flags: { api: "https://flag.example/v1/", token: "flag" } }))).toEqual(
      {
        api: "https://flag.example/v1",
        ws: "wss://env.example/live",
        token: "flag",
        source: "flag",
      },
    );
  });

  it("prefers an explicit --api over a running local stack", () => {
    const target = resolveTarget(
      inputs({ runningStack: localStack, flags: { api: "https://deployed.example/v1" } }),
    );

    expect(target.api).toBe("https://deployed.example/v1");
    expect(target.token).toBeUndefined();
    expect(target.localTenant).toBeUndefined();
  });

  it("fills in the local stack's ws and token when --api names that stack", () => {
    const target = resolveTarget(
      inputs({ runningStack: localStack, flags: { api: "http://127.0.0.1:4100/" } }),
    );

    expect(target).toMatchObject({ ws: "ws://127.0.0.1:4101", token: "local-token", localTenant: "default" });
  });

  it("lets --token replace the local stack's token (another tenant's, say)", () => {
    expect(resolveTarget(inputs({ runningStack: localStack, flags: { token: "acme" } })).token).toBe("acme");
  });

  it("uses the stored sign-in when no local stack runs", () => {
    expect(resolveTarget(inputs({ savedLogin: login }))).toEqual({
      api: login.api,
      ws: login.ws,
      token: "id-token",
      source: "login",
      loginTenant: "acme",
    });
  });

  it("takes the stored token for --api when it names the signed-in stack", () => {
    const target = resolveTarget(inputs({ savedLogin: login, flags: { api: `${login.api}/` } }));

    expect(target).toMatchObject({ token: "id-token", ws: login.ws, loginTenant: "acme" });
  });

  it("says to sign in again when the stored token has expired", () => {
    const expired = { ...login, expiresAt: "2026-12-02T09:59:00.000Z" };

    const error = catchCli(() => resolveTarget(inputs({ savedLogin: expired })));

    expect(error.message).toContain("expired");
    expect(error.hint).toContain("npx pacer login");
  });

  it("ignores an expired sign-in when --api names its stack", () => {
    const expired = { ...login, expiresAt: "2026-12-02T09:59:00.000Z" };

    expect(resolveTarget(inputs({ savedLogin: expired, flags: { api: login.api } })).token).toBeUndefined();
  });

  it("says how to get a stack when there is none", () => {
    const error = catchCli(() => resolveTarget(inputs({})));

    expect(error.message).toContain("no Pacer stack found");
    expect(error.hint).toContain("npm run local");
    expect(error.hint).toContain("--api");
    expect(error.exitCode).toBe(1);
  });

  it("refuses URLs of the wrong kind as usage errors", () => {
    expect(() => resolveTarget(inputs({ flags: { api: "ftp://x" } }))).toThrow(UsageError);
    expect(() => resolveTarget(inputs({ flags: { api: "not a url" } }))).toThrow(UsageError);
    expect(() => resolveTarget(inputs({ flags: { api: "http://x", ws: "http://x" } }))).toThrow(UsageError);
  });
});

describe("requireToken and requireWs", () => {
  it("point to `pacer token` locally and to --token or `pacer login` elsewhere", () => {
    const local = { api: "http://127.0.0.1:1", source: "local" as const, localTenant: "default" };
    const deployed = { api: "https://x.example/v1", source: "flag" as const };

    expect(catchCli(() => requireToken(local)).hint).toContain("npx pacer token");
    expect(catchCli(() => requireToken(deployed)).hint).toContain("npx pacer login");
    expect(catchCli(() => requireWs(deployed)).hint).toContain("--ws");
  });
});

function catchCli(act: () => unknown): CliError {
  try {
    act();
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error("expected a CliError");
}
