#!/usr/bin/env node
// `npx pacer`: runs the CLI's TypeScript through tsx, which the project already uses for
// `npm run local`. Under npm exec, node_modules/.bin comes first on PATH, so `node` here is the
// project's Node 24 (the `node` devDependency), not whatever the machine has.
import { register } from "tsx/esm/api";

register();
await import("./main.ts");
