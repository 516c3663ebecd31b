/**
 * Cognito's SRP-6a variant against known vectors. The vectors are those the Go port
 * alexrudd/cognito-srp checks itself with, produced by capless/warrant (the Python client that
 * AWS's own helper was ported from): pool "eu-west-1_myPool", user "test", password "test",
 * a = 1234567890, and a server that sent B = salt = 1234567890.
 */
import { describe, expect, it } from "vitest";
import {
  claimSignature,
  clientKey,
  cognitoTimestamp,
  deriveKey,
  fromHex,
  hexHash,
  k,
  N,
  padHex,
  SrpError,
  scramblingParameter,
  sessionFor,
  srpServer,
  startSrpSession,
} from "../../../../../local/cli/cognito/srp.ts";

const A_FOR_1234567890 =
  "2012821450179237266067414751941060928019817287314017835667297413615441680042015648893619512074574801551816908048875039310556108650595869145768432324376774060555385775073708569121688902158895642383219736852216366144529156744028151458424436810791218362729260005923018973559621869173270335133101064964177433161771074465994401225946602823489327809869650103314918749719145076380535976325009253493972634191523079035525341598366462733532137597586069288340594563327421244726332307232609401008335819089778907622323610696065668900966210610871808610884224270017149857647788822043386341947275701612494162630191389615660619561655481399573723311377577792260581174997618956152489507325218699555095233121100546572188701563979417701865276739418278601329844176326814813849675127887644523181751359470351143169066091784103404544366711287145804238613966547260918328728126017769114261057445005776403447691297001659393612551419207658913838531096191";

const challenge = {
  poolName: "myPool",
  userId: "test",
  password: "test",
  srpB: 1234567890n.toString(16),
  salt: 1234567890n.toString(16),
};

describe("Cognito's SRP group", () => {
  it("is the 3072-bit prime with the multiplier k = H(N | g) Cognito's clients use", () => {
    expect(N.toString(16).length).toBe(768);
    expect(N.toString(16).startsWith("ffffffffffffffffc90fdaa22168c234")).toBe(true);
    expect(k).toBe(37772559067617796309459009502931177628717927509759535181635788491848250400486n);
  });
});

describe("padHex", () => {
  it("pads to whole bytes and keeps a leading high digit from reading as a sign", () => {
    expect(padHex(0x123abcn)).toBe("123abc");
    expect(padHex(0x123abcdn)).toBe("0123abcd");
    expect(padHex(0x8123abcdn)).toBe("008123abcd");
  });
});

describe("the SRP steps", () => {
  it("hashes hex as bytes", () => {
    expect(hexHash(Buffer.from("testvalue").toString("hex"))).toBe(
      "b52ccfce5067e90f4b4f8ec8567eb50f9e10850d6e114a2ea09cb45f753011b9",
    );
  });

  it("computes A = g^a mod N", () => {
    expect(sessionFor(1234567890n).A).toBe(BigInt(A_FOR_1234567890));
  });

  it("computes u = H(A | B)", () => {
    expect(
      scramblingParameter(fromHex("6D797365637265746861736841"), fromHex("6D797365637265746861736842")),
    ).toBe(39743664823761398449876968619416475559594078623923024211668626611155104513539n);
  });

  it("derives the session key through HKDF", () => {
    const S = fromHex(
      "00cf724779a05d41df17a315d188ce565d0bc7a70e6bc4199ad3959a531c6b4ca4b9ac31f639b96391a2f8d28c7d47d9759fc7a23a59bfb95691147b212b050116cf53fa1a7876ef179003dea92b246bc9584240d3e5a294a158b12cc92642bbe5c7d854338233f54fd66f10384b3d3e740280017773feb1104696bfe6e0a82ec5ef2fc23fad663f5e945e8644c872d05f4ab7961436d0602c961d1619e91b70e451f0769e80b0d6ae80052ed47c3c89f4caae02ff01917f195b8cbea78f895da7145646e64b63605a7ffd85de351c06a5a5ffb6eee8b392b4d137726468361bbcf7b4055600002ae7c8c1dd5c545862f1c4c725c01da795afab3221d322104aecd4d1ab74d5e81eb45cbdb52081b1413a9e8b08e76b961c74cdbdac017d8d22a24860a674a0cd526e8ff8403caac07c0c720636efd83291ae60ff15cbd0a881f8030495cae0327040855defba70625c78cf27ea50bcaf0322cac01cf753c5a34269e4e329c9cd388aada7781cf1c552754a0d2d3ce5fe58198a31b7b0ddc515ad",
    );
    const u = fromHex("0c98b195a479d1a7c70c99dd680f34f5805fe686d0bc716549ff2ed895aa9111");

    expect(deriveKey(S, u).toString("hex")).toBe("d96cde6c95dda17175c1293140c5a81f");
  });

  it("derives the password authentication key from B, the salt and the password", () => {
    const key = clientKey(sessionFor(1234567890n), challenge);

    expect(key.toString("hex")).toBe("d96cde6c95dda17175c1293140c5a81f");
  });

  it("signs the claim as Cognito checks it", () => {
    const key = clientKey(sessionFor(1234567890n), challenge);
    const timestamp = cognitoTimestamp(new Date(Date.UTC(2018, 6, 10, 11, 1, 0)));

    const signature = claimSignature(key, {
      poolName: "myPool",
      userId: "test",
      secretBlock: Buffer.from("secretssecrestssecrets").toString("base64"),
      timestamp,
    });

    expect(timestamp).toBe("Tue Jul 10 11:01:00 UTC 2018");
    expect(signature).toBe("tdvQu/Li/qWl8Nni0aFPs+MwY4rvKZm0kSMrGIMSUHk=");
  });
});

describe("cognitoTimestamp", () => {
  it("writes hours on a 24-hour clock and the day unpadded", () => {
    expect(cognitoTimestamp(new Date(Date.UTC(2026, 0, 3, 23, 4, 5)))).toBe("Sat Jan 3 23:04:05 UTC 2026");
  });
});

describe("client and server", () => {
  it("agree on the session key when the password is right, and not when it is wrong", () => {
    const salt = 0xa1b2c3d4e5f60718n;
    const verifier = srpServer.verifier("Pool1", "user-123", "correct horse battery", salt);
    const server = srpServer.start(verifier);
    const client = startSrpSession();
    const params = {
      poolName: "Pool1",
      userId: "user-123",
      srpB: server.B.toString(16),
      salt: salt.toString(16),
    };

    const right = clientKey(client, { ...params, password: "correct horse battery" });
    const wrong = clientKey(client, { ...params, password: "correct horse battery!" });

    expect(right.equals(srpServer.key(verifier, server, client.A))).toBe(true);
    expect(wrong.equals(srpServer.key(verifier, server, client.A))).toBe(false);
  });

  it("refuses a server whose B is a multiple of N", () => {
    expect(() => clientKey(startSrpSession(), { ...challenge, srpB: N.toString(16) })).toThrow(SrpError);
  });

  it("draws a new a each session", () => {
    expect(startSrpSession().a).not.toBe(startSrpSession().a);
  });
});
