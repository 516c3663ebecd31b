import { openf1Fake } from "./openf1/index.ts";
import type { FakeProvider } from "./types.ts";
import { zwiftracingFake } from "./zwiftracing/index.ts";

/**
 * Every fake provider, each from its folder. The stand-in's registry (./index.ts) and the fake's
 * own process (./fake-process.ts) both find fakes here, and nowhere else.
 */
export const FAKES: readonly FakeProvider[] = [openf1Fake, zwiftracingFake];

/** The fake standing in for a provider, if it has one. */
export function findFake(providerId: string): FakeProvider | undefined {
  return FAKES.find((fake) => fake.id === providerId);
}
