import { createWorkerHandler } from "#handlers/worker.ts";
import { copernicoModule } from "./index.ts";

/** The Copernico worker Lambda. */
export const handler = createWorkerHandler(copernicoModule);
