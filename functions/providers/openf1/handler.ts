import { createWorkerHandler } from "#handlers/worker.ts";
import { openf1Module } from "./index.ts";

/** The OpenF1 worker Lambda. */
export const handler = createWorkerHandler(openf1Module);
