import { createDiffieHellmanGroup, createHash, createHmac, randomBytes } from "node:crypto";

/**
 * SRP-6a as Amazon Cognito's USER_SRP_AUTH flow speaks it (the variant of AWS's
 * amazon-cognito-identity-js `AuthenticationHelper`): SHA-256, the 3072-bit group of RFC 5054,
 * `k = H(N | g)`, `x = H(salt | H(poolName | userId | ":" | password))`, the session key through
 * HKDF with the info "Caldera Derived Key", and a claim signed over pool name, user id, secret
 * block and a timestamp. Values are hashed as Cognito pads them: even-length hex, with a leading
 * 00 when the first digit would read as a sign bit. The password never leaves the machine.
 */

/** RFC 5054's 3072-bit prime: the same as RFC 3526's group 15, which Node ships as `modp15`. */
export const N: bigint = BigInt(`0x${createDiffieHellmanGroup("modp15").getPrime("hex")}`);
export const g = 2n;

const INFO = Buffer.concat([Buffer.from("Caldera Derived Key", "utf8"), Buffer.from([1])]);

/** Cognito's padding of a non-negative number as hex. */
export function padHex(value: bigint): string {
  if (value < 0n) throw new RangeError("padHex: negative values do not occur in SRP");
  const hex = value.toString(16);
  if (hex.length % 2 === 1) return `0${hex}`;
  return "89abcdef".includes(hex.charAt(0)) ? `00${hex}` : hex;
}

/** SHA-256 of the bytes a hex string stands for, as hex. */
export function hexHash(hex: string): string {
  return createHash("sha256").update(Buffer.from(hex, "hex")).digest("hex");
}

/** SHA-256 of a UTF-8 string, as hex. */
export function textHash(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

export function fromHex(hex: string): bigint {
  if (!/^[0-9a-fA-F]+$/.test(hex)) throw new SrpError(`not hex: ${hex.slice(0, 16)}…`);
  return BigInt(`0x${hex}`);
}

export const k: bigint = fromHex(hexHash(padHex(N) + padHex(g)));

/** `base^exponent mod modulus` for non-negative exponents; a negative base is taken mod first. */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = ((base % modulus) + modulus) % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

export class SrpError extends Error {
  override readonly name = "SrpError";
}

/** The client's ephemeral secret `a` and public `A = g^a mod N`, sent as SRP_A. */
export interface SrpClientSession {
  readonly a: bigint;
  readonly A: bigint;
}

/** A fresh session: `a` from 128 random bytes (as Cognito's own clients draw it). */
export function startSrpSession(random: (bytes: number) => Buffer = randomBytes): SrpClientSession {
  return sessionFor(fromHex(random(128).toString("hex")) % N);
}

/** The session for a given `a` (tests pin it). */
export function sessionFor(a: bigint): SrpClientSession {
  const A = modPow(g, a, N);
  if (A % N === 0n) throw new SrpError("A = 0 mod N: draw another a");
  return { a, A };
}

export function scramblingParameter(A: bigint, B: bigint): bigint {
  return fromHex(hexHash(padHex(A) + padHex(B)));
}

/** `x`, the private key derived from the password; the salt is the pool's, per user. */
export function passwordKey(poolName: string, userId: string, password: string, salt: bigint): bigint {
  return fromHex(hexHash(padHex(salt) + textHash(`${poolName}${userId}:${password}`)));
}

/** HKDF-SHA256 (RFC 5869) of the shared secret, salted with u: the 16-byte key the claim is signed with. */
export function deriveKey(S: bigint, u: bigint): Buffer {
  const prk = createHmac("sha256", Buffer.from(padHex(u), "hex"))
    .update(Buffer.from(padHex(S), "hex"))
    .digest();
  return createHmac("sha256", prk).update(INFO).digest().subarray(0, 16);
}

export interface PasswordChallenge {
  /** The part of the user pool id after the underscore. */
  readonly poolName: string;
  /** The challenge's USER_ID_FOR_SRP. */
  readonly userId: string;
  readonly password: string;
  /** SRP_B and SALT as the challenge sent them (hex). */
  readonly srpB: string;
  readonly salt: string;
}

/** The client's session key: `S = (B − k·g^x)^(a + u·x) mod N`, through HKDF. */
export function clientKey(session: SrpClientSession, challenge: PasswordChallenge): Buffer {
  const B = fromHex(challenge.srpB);
  if (B % N === 0n) throw new SrpError("the server's B is 0 mod N: refusing to go on");
  const u = scramblingParameter(session.A, B);
  if (u === 0n) throw new SrpError("u = 0: refusing to go on");
  const x = passwordKey(challenge.poolName, challenge.userId, challenge.password, fromHex(challenge.salt));
  const S = modPow(B - k * modPow(g, x, N), session.a + u * x, N);
  return deriveKey(S, u);
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Cognito's TIMESTAMP: `Tue Jul 10 11:01:00 UTC 2018`, the day of the month unpadded, UTC. */
export function cognitoTimestamp(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  const time = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
  return `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()} ${time} UTC ${date.getUTCFullYear()}`;
}

/** PASSWORD_CLAIM_SIGNATURE: HMAC-SHA256 under the session key of pool name, user id, secret block, timestamp. */
export function claimSignature(
  key: Buffer,
  claim: {
    readonly poolName: string;
    readonly userId: string;
    readonly secretBlock: string;
    readonly timestamp: string;
  },
): string {
  return createHmac("sha256", key)
    .update(
      Buffer.concat([
        Buffer.from(claim.poolName, "utf8"),
        Buffer.from(claim.userId, "utf8"),
        Buffer.from(claim.secretBlock, "base64"),
        Buffer.from(claim.timestamp, "utf8"),
      ]),
    )
    .digest("base64");
}

/**
 * The user pool's side, for test doubles of Cognito: the verifier stored for a password, the
 * server's ephemeral `B = k·v + g^b`, and its session key `S = (A·v^u)^b mod N`.
 */
export const srpServer = {
  verifier(poolName: string, userId: string, password: string, salt: bigint): bigint {
    return modPow(g, passwordKey(poolName, userId, password, salt), N);
  },
  start(verifier: bigint, random: (bytes: number) => Buffer = randomBytes): { b: bigint; B: bigint } {
    const b = fromHex(random(128).toString("hex")) % N;
    return { b, B: (k * verifier + modPow(g, b, N)) % N };
  },
  key(verifier: bigint, server: { b: bigint; B: bigint }, A: bigint): Buffer {
    if (A % N === 0n) throw new SrpError("A = 0 mod N");
    const u = scramblingParameter(A, server.B);
    return deriveKey(modPow(A * modPow(verifier, u, N), server.b, N), u);
  },
};
