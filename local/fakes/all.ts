import { chronotrackFake } from "./chronotrack/index.ts";
import { copernicoFake } from "./copernico/index.ts";
import { hakuFake } from "./haku/index.ts";
import { openf1Fake } from "./openf1/index.ts";
import { racerosterFake } from "./raceroster/index.ts";
import { runsignupFake } from "./runsignup/index.ts";
import type { FakeProvider } from "./types.ts";
import { zwiftracingFake } from "./zwiftracing/index.ts";

/**
 * Every fake provider, each from its folder. The stand-in's registry (./index.ts) and the fake's
 * own process (./fake-process.ts) both find fakes here, and nowhere else.
 */
export const FAKES: readonly FakeProvider[] = [
  openf1Fake,
  zwiftracingFake,
  runsignupFake,
  racerosterFake,
  hakuFake,
  chronotrackFake,
  copernicoFake,
];

/** The fake standing in for a provider, if it has one. */
export function findFake(providerId: string): FakeProvider | undefined {
  return FAKES.find((fake) => fake.id === providerId);
}
