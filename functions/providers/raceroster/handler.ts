import { createWorkerHandler } from "#handlers/worker.ts";
import { racerosterModule } from "./index.ts";

/** The Race Roster worker Lambda. */
export const handler = createWorkerHandler(racerosterModule);
