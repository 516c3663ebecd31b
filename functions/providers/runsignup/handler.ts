import { createWorkerHandler } from "#handlers/worker.ts";
import { runsignupModule } from "./index.ts";

/** The RunSignUp worker Lambda. */
export const handler = createWorkerHandler(runsignupModule);
