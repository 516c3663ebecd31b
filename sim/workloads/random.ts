/** A deterministic source of numbers in [0, 1) (mulberry32): workloads draw everything from it. */
export type Random = () => number;

export function seededRandom(seed: number): Random {
  let state = seed >>> 0 || 0x9e3779b9;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

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
