import { mulberry32 } from "../mulberry32.ts";

/**
 * The fake's only source of variety: hashes of ids and hours, never Math.random, so the same ids at
 * the same hour always give the same answer, across calls, processes and runs.
 */

/** A 32-bit hash of some integers (ids, hours, salts); integers beyond 2^32 mix both halves. */
export function hash32(...values: readonly number[]): number {
  let h = 0x811c9dc5 ^ values.length;
  for (const value of values) {
    const low = value >>> 0;
    const high = Math.floor(value / 2 ** 32) >>> 0;
    h = Math.imul(h ^ low, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h ^ high, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A deterministic stream of numbers in [0, 1) seeded by integers (mulberry32). */
export type Stream = () => number;

export const stream = (...seeds: readonly number[]): Stream => mulberry32(hash32(...seeds));

export const between = (next: Stream, low: number, high: number): number => low + (high - low) * next();

export function pick<L extends readonly [unknown, ...unknown[]]>(next: Stream, items: L): L[number] {
  return items[Math.floor(next() * items.length)] ?? items[0];
}

export const round = (value: number, digits: number): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

export const HOUR_MS = 3_600_000;

/** The UTC hour (hours since the epoch) a moment falls in. */
export const hourOf = (epochMs: number): number => Math.floor(epochMs / HOUR_MS);
