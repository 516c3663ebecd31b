import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { repairMojibake } from "#providers/copernico/mojibake.ts";

/** What Copernico does to text: UTF-8 bytes read as Latin-1, and encoded again. */
const doubleEncode = (text: string) => Buffer.from(text, "utf8").toString("latin1");

describe("repairMojibake", () => {
  it("undoes UTF-8 read as Latin-1 or Windows-1252", () => {
    expect(repairMojibake("GarcÃ\u00ada InÃ©s")).toBe("García Inés");
    expect(repairMojibake("MÃ¡laga â€“ MaratÃ³n")).toBe("Málaga – Maratón");
    expect(repairMojibake("Oâ€™Brien")).toBe("O’Brien");
  });

  it("leaves correct text alone, accented or not", () => {
    for (const text of ["García", "Ñandú", "Zoë Ørsted", "Lucas Martin", "Ã alone", "São Paulo"])
      expect(repairMojibake(text)).toBe(text);
  });

  it("restores any text Copernico double-encoded", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 30 }), (text) => {
        expect(repairMojibake(doubleEncode(text))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
