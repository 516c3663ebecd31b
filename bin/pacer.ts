#!/usr/bin/env node
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { type PacerConfigInput, resolveConfig } from "../lib/config.ts";
import { composePacer } from "../lib/pacer-app.ts";

const app = new App();
// cdk.json holds an object; `-c pacer='{…}'` on the command line arrives as a string.
const raw: unknown = app.node.tryGetContext("pacer");
const input = (typeof raw === "string" ? parseJson(raw) : (raw ?? {})) as PacerConfigInput;

composePacer(app, resolveConfig(input));
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new Error(`context "pacer" must be a JSON object, got: ${text}`, { cause });
  }
}
