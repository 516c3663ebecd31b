import { createWorkerHandler } from "#handlers/worker.ts";
import { zwiftracingModule } from "./index.ts";

/** The ZwiftRacing.app worker Lambda. */
export const handler = createWorkerHandler(zwiftracingModule);
