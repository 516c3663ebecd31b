import { createWorkerHandler } from "#handlers/worker.ts";
import { hakuModule } from "./index.ts";

/** The Haku worker Lambda. */
export const handler = createWorkerHandler(hakuModule);
