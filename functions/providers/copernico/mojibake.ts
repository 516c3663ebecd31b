/**
 * Copernico's text often arrives double-encoded: UTF-8 bytes read as Latin-1 or Windows-1252 and
 * encoded again, so "ó" shows as "Ã³" (shared/providers/copernico.md, "mojibake"). Its integrators
 * normalise every string; so does Pacer, before anything is stored.
 */

/** Windows-1252's characters for bytes 0x80–0x9F, where it differs from Latin-1. */
const CP1252: Readonly<Record<string, number>> = {
  "€": 0x80,
  "‚": 0x82,
  ƒ: 0x83,
  "„": 0x84,
  "…": 0x85,
  "†": 0x86,
  "‡": 0x87,
  ˆ: 0x88,
  "‰": 0x89,
  Š: 0x8a,
  "‹": 0x8b,
  Œ: 0x8c,
  Ž: 0x8e,
  "‘": 0x91,
  "’": 0x92,
  "“": 0x93,
  "”": 0x94,
  "•": 0x95,
  "–": 0x96,
  "—": 0x97,
  "˜": 0x98,
  "™": 0x99,
  š: 0x9a,
  "›": 0x9b,
  œ: 0x9c,
  ž: 0x9e,
  Ÿ: 0x9f,
};

/** A UTF-8 lead byte (as Latin-1) followed by a continuation byte (as Latin-1 or Windows-1252). */
const DOUBLE_ENCODED =
  /[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]/;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The text as it was meant: undone once if it reads as double-encoded UTF-8, else unchanged. Text
 * that only looks so (its bytes are not valid UTF-8 once undone) is left as it came.
 */
export function repairMojibake(text: string): string {
  if (!DOUBLE_ENCODED.test(text)) return text;
  const bytes: number[] = [];
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const byte = code <= 0xff ? code : CP1252[char];
    if (byte === undefined) return text;
    bytes.push(byte);
  }
  try {
    return strictUtf8.decode(Uint8Array.from(bytes));
  } catch {
    return text;
  }
}
