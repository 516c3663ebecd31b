import { describe, expect, it } from "vitest";
import {
  type AuthStep,
  type CognitoGateway,
  otpauthUri,
  poolNameOf,
  type SignInPrompts,
  signIn,
} from "../../../../../local/cli/cognito/sign-in.ts";
import { claimSignature, fromHex, srpServer } from "../../../../../local/cli/cognito/srp.ts";
import { base32, totpCode } from "../../../../../local/cli/cognito/totp.ts";
import { CliError } from "../../../../../local/cli/errors.ts";

const POOL_ID = "eu-west-1_Pool123";
const USER_ID = "5f0c8a9e-user";
const PASSWORD = "A-long-Passw0rd!";

/**
 * A user pool in memory that checks the SRP proof as Cognito does, then asks `next` (a challenge
 * name, or tokens); every call's input is kept.
 */
function memoryPool(next: AuthStep) {
  const salt = 0x5eed5a17n;
  const verifier = srpServer.verifier("Pool123", USER_ID, PASSWORD, salt);
  const calls: unknown[] = [];
  let pending: { A: bigint; server: { b: bigint; B: bigint } } | undefined;
  const gateway: CognitoGateway = {
    initiateAuth: async (input) => {
      calls.push(input);
      pending = { A: fromHex(input.authParameters.SRP_A ?? ""), server: srpServer.start(verifier) };
      return {
        kind: "challenge",
        name: "PASSWORD_VERIFIER",
        parameters: {
          SALT: salt.toString(16),
          SRP_B: pending.server.B.toString(16),
          SECRET_BLOCK: "c2VjcmV0",
          USER_ID_FOR_SRP: USER_ID,
        },
      };
    },
    respondToAuthChallenge: async (input) => {
      calls.push(input);
      if (input.challengeName === "PASSWORD_VERIFIER") {
        const key = srpServer.key(verifier, pending?.server ?? { b: 0n, B: 0n }, pending?.A ?? 0n);
        const expected = claimSignature(key, {
          poolName: "Pool123",
          userId: USER_ID,
          secretBlock: "c2VjcmV0",
          timestamp: input.responses.TIMESTAMP ?? "",
        });
        if (input.responses.PASSWORD_CLAIM_SIGNATURE !== expected)
          throw new CliError("Incorrect username or password.");
        return next;
      }
      return { kind: "tokens", idToken: "id.token.here" };
    },
    associateSoftwareToken: async () => ({ secretCode: "SECRET", session: "s2" }),
    verifySoftwareToken: async () => ({ status: "SUCCESS", session: "s3" }),
  };
  return { gateway, calls };
}

function prompts(overrides: Partial<SignInPrompts> = {}): SignInPrompts & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    password: async () => {
      asked.push("password");
      return PASSWORD;
    },
    newPassword: async () => "unused",
    attribute: async () => "unused",
    totpCode: async (purpose) => {
      asked.push(`code:${purpose}`);
      return "123456";
    },
    showTotpSecret: () => {},
    ...overrides,
  };
}

describe("signIn", () => {
  it("proves the password by SRP and answers the TOTP challenge, never sending the password", async () => {
    const pool = memoryPool({ kind: "challenge", name: "SOFTWARE_TOKEN_MFA", parameters: {}, session: "s1" });
    const asked = prompts();

    const tokens = await signIn({
      gateway: pool.gateway,
      userPoolId: POOL_ID,
      clientId: "c",
      username: "ops@example.com",
      prompts: asked,
    });

    expect(tokens.idToken).toBe("id.token.here");
    expect(asked.asked).toEqual(["password", "code:sign-in"]);
    expect(pool.calls.at(-1)).toEqual({
      clientId: "c",
      challengeName: "SOFTWARE_TOKEN_MFA",
      session: "s1",
      responses: { USERNAME: USER_ID, SOFTWARE_TOKEN_MFA_CODE: "123456" },
    });
    expect(JSON.stringify(pool.calls)).not.toContain(PASSWORD);
  });

  it("is refused with a wrong password", async () => {
    const pool = memoryPool({ kind: "tokens", idToken: "x" });

    await expect(
      signIn({
        gateway: pool.gateway,
        userPoolId: POOL_ID,
        clientId: "c",
        username: "ops@example.com",
        prompts: prompts({ password: async () => `${PASSWORD}x` }),
      }),
    ).rejects.toThrow("Incorrect username or password.");
  });

  it("names a challenge it cannot answer", async () => {
    const pool = memoryPool({ kind: "challenge", name: "CUSTOM_CHALLENGE", parameters: {}, session: "s1" });

    await expect(
      signIn({
        gateway: pool.gateway,
        userPoolId: POOL_ID,
        clientId: "c",
        username: "ops@example.com",
        prompts: prompts(),
      }),
    ).rejects.toThrow("Cognito asks for CUSTOM_CHALLENGE");
  });
});

describe("poolNameOf", () => {
  it("takes the part after the region, and refuses what is not a pool id", () => {
    expect(poolNameOf("eu-west-1_AbC123")).toBe("AbC123");
    expect(() => poolNameOf("AbC123")).toThrow(CliError);
  });
});

describe("otpauthUri", () => {
  it("names the issuer and account as authenticator apps expect", () => {
    expect(otpauthUri("Pacer", "ops@example.com", "ABC")).toBe(
      "otpauth://totp/Pacer%3Aops%40example.com?secret=ABC&issuer=Pacer",
    );
  });
});

describe("the fake pool's TOTP", () => {
  it("matches RFC 6238's SHA-1 vectors (last 6 digits)", () => {
    const secret = base32(Buffer.from("12345678901234567890"));

    expect(secret).toBe("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    expect(totpCode(secret, 59_000)).toBe("287082");
    expect(totpCode(secret, 1_111_111_109_000)).toBe("081804");
    expect(totpCode(secret, 2_000_000_000_000)).toBe("279037");
  });
});
