// Builds the commander program. Options are declared here; each command is a plain function in commands/.
import { Command, CommanderError, Option } from "commander";
import { AGENT_VERSION } from "../agent/src/version.js";
import { scanCommand } from "./commands/scan.js";
import { validateCommand } from "./commands/validate.js";
import { evaluateCommand } from "./commands/evaluate.js";
import { lifecycleImportCommand, lifecycleListCommand } from "./commands/lifecycle.js";

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

  program
    .command("evaluate")
    .description("evaluate inventories against a client's catalog and the lifecycle data; write caveat.findings/v1")
    .argument("<inventories...>", "inventory files or directories (several scans of one endpoint are its history)")
    .requiredOption("-c, --catalog <file>", "the client's catalog (YAML or JSON, caveat.catalog/v1)")
    .option("--as-of <date>", "evaluate as of this date, YYYY-MM-DD (default: today)")
    .option("-f, --format <format>", "json, table or csv", "json")
    .option("--fail-on <severity>", "exit 1 when an unwaived finding is at or above: critical, high, medium, low, info, none", "high")
    .option("-o, --out <file>", "write to a file (atomically) instead of stdout")
    .option("--pretty", "indent the JSON")
    .option("--workers <n>", "threads that parse and check inventories (default: one per core from 500 files on; 0: none)")
    .option("--lifecycle-dir <dir>", "directory of imported lifecycle updates (default: $CAVEAT_LIFECYCLE_DIR or ~/.local/share/caveat/lifecycle)")
    .action(async (inventories: string[], options) => {
      await evaluateCommand(inventories, options);
    });

  const lifecycle = program.command("lifecycle").description("the end-of-life dataset: list what is known, import newer dates");
  lifecycle
    .command("list")
    .description("list products and release cycles with their end-of-life dates and status")
    .option("--product <id>", "only this product (windows, office, ubuntu...)")
    .option("-f, --format <format>", "table or json", "table")
    .option("--as-of <date>", "status as of this date, YYYY-MM-DD (default: today)")
    .option("--lifecycle-dir <dir>", "directory of imported lifecycle updates")
    .action(async (options) => {
      await lifecycleListCommand(options);
    });
  lifecycle
    .command("import")
    .description("merge endoflife.date API JSON saved in FILE (/api/<product>.json or /api/v1/products/<product>) into the lifecycle updates")
    .argument("<file>", "the saved JSON")
    .option("--product <id>", "the product it describes (default: from the document or the file name)")
    .option("--lifecycle-dir <dir>", "directory of imported lifecycle updates")
    .option("--dry-run", "show what would change, write nothing")
    .action(async (file: string, options) => {
      await lifecycleImportCommand(file, options);
    });

  for (const command of [...program.commands, ...lifecycle.commands]) command.exitOverride().configureOutput({ writeErr: (text) => process.stderr.write(text) });
  return program;
}

export { CommanderError };
