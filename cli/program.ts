// Builds the commander program. Options are declared here; each command is a plain function in commands/.
import { Command, CommanderError, Option } from "commander";
import { AGENT_VERSION } from "../agent/src/version.js";
import { scanCommand } from "./commands/scan.js";
import { validateCommand } from "./commands/validate.js";

export function buildProgram(name = "caveat"): Command {
  const program = new Command(name)
    .description("Endpoint compliance scanner for MSPs: inventory, end-of-life findings, signed client risk acknowledgements")
    .version(AGENT_VERSION)
    .showSuggestionAfterError(true)
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .exitOverride();

  program
    .command("scan")
    .description("inventory this machine (or replay a recording) and write one caveat.inventory/v1 JSON document")
    .option("-o, --out <file>", "write the inventory to a file (atomically) instead of stdout")
    .option("--client <slug>", "tenant slug to stamp into the inventory")
    .option("--pretty", "indent the JSON")
    .option("--record <dir>", "also save every raw command output into DIR (a support bundle)")
    .option("--replay <dir>", "build the inventory from a recording instead of this machine")
    .addOption(new Option("--timeout <ms>", "per-probe timeout in milliseconds (overrides each probe's default)"))
    .action(async (options) => {
      await scanCommand(options);
    });

  program
    .command("validate")
    .description("check inventory JSON files against the caveat.inventory/v1 schema")
    .argument("<files...>", "inventory files")
    .action(async (files: string[]) => {
      await validateCommand(files);
    });

  for (const command of program.commands) command.exitOverride().configureOutput({ writeErr: (text) => process.stderr.write(text) });
  return program;
}

export { CommanderError };
