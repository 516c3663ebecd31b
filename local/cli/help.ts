import { COMMANDS, type CommandName, type CommandSpec } from "./args.ts";

/** The help texts, made from the command specs, so every option is listed where it is parsed. */

export function usage(): string {
  const width = Math.max(...Object.values(COMMANDS).map((c) => commandLabel(c).length));
  const lines = Object.values(COMMANDS).map((c) => `  ${commandLabel(c).padEnd(width)}  ${c.summary}`);
  return `Usage: npx pacer <command> [options]

Drives a Pacer stack from the terminal: a running \`npm run local\` is found by itself; a deployed
stack is named with --api/--ws/--token (or PACER_API_URL, PACER_WS_URL, PACER_TOKEN), or by the
stack \`pacer login\` signed in to.

Commands:
${lines.join("\n")}

A tenant syncs a provider through a connection to it: \`npx pacer connect <provider>\` makes one
(settings, tier, credentials), \`npx pacer connections\` lists them.

Run \`npx pacer <command> --help\` for its options; \`npx pacer --version\` for versions.
Colours only on a terminal, and never with NO_COLOR set.
Exit codes: 0 done; 1 failed (a failed job, an unreachable stack, a refused token); 2 usage error;
130 stopped with Ctrl-C (a job being watched goes on).
`;
}

function commandLabel(spec: CommandSpec): string {
  const args = spec.synopsis.split(" ").filter((word) => word.startsWith("<"));
  return [spec.name, ...args].join(" ");
}

export function commandUsage(name: CommandName): string {
  const spec = COMMANDS[name];
  const labels = Object.entries(spec.options).map(([option, o]) => {
    const short = o.short ? `-${o.short}, ` : "";
    return [`${short}--${option}${o.value ? ` ${o.value}` : ""}`, o.help] as const;
  });
  const width = Math.max(...labels.map(([label]) => label.length));
  const options = labels.map(([label, help]) => `  ${label.padEnd(width)}  ${help}`).join("\n");
  const parts = [
    `Usage: npx pacer ${name}${spec.synopsis ? ` ${spec.synopsis}` : ""} [options]`,
    "",
    `${spec.summary.charAt(0).toUpperCase()}${spec.summary.slice(1)}.`,
    ...(spec.details ? ["", spec.details] : []),
    "",
    "Options:",
    options,
    ...(spec.examples ? ["", "Examples:", ...spec.examples.map((e) => `  ${e}`)] : []),
  ];
  return `${parts.join("\n")}\n`;
}
