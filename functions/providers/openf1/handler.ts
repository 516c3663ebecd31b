import { createWorkerHandler } from "#handlers/worker.ts";
import { openf1Module } from "./index.ts";
import { openf1LiveWindows } from "./windows.ts";

/** The OpenF1 worker Lambda; its sessions syncs put the real-time syncs' live windows. */
export const handler = createWorkerHandler(openf1Module, { liveWindows: openf1LiveWindows });
