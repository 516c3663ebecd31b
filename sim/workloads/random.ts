import { mulberry32 } from "../../local/fakes/mulberry32.ts";

/** A deterministic source of numbers in [0, 1) (mulberry32): workloads draw everything from it. */
export type Random = () => number;

export const seededRandom = (seed: number): Random => mulberry32(seed >>> 0 || 0x9e3779b9);

export const uniform = (random: Random, low: number, high: number): number => low + (high - low) * random();

export const integer = (random: Random, low: number, high: number): number =>
  Math.floor(uniform(random, low, high + 1));

/** A Poisson count with mean `mean` (Knuth's method: the means here are small). */
export function poisson(random: Random, mean: number): number {
  const limit = Math.exp(-mean);
  let count = 0;
  for (let product = random(); product > limit; product *= random()) count++;
  return count;
}
