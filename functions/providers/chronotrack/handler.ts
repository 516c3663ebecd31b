import { createWorkerHandler } from "#handlers/worker.ts";
import { chronotrackModule } from "./index.ts";

/** The ChronoTrack worker Lambda. */
export const handler = createWorkerHandler(chronotrackModule);
