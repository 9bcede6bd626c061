// Builds the commander program. Options are declared here; each command is a plain function in commands/.
import { Command, CommanderError, Option } from "commander";
import { AGENT_VERSION } from "../agent/src/version.js";
import { scanCommand } from "./commands/scan.js";
import { validateCommand } from "./commands/validate.js";
import { submitCommand } from "./commands/submit.js";
import { scheduleInstallCommand, scheduleRemoveCommand, scheduleStatusCommand } from "./commands/schedule.js";

/**
 * The agent's commands (scan, submit, validate...). `extend` adds more (the collector's, see
 * collector-program.ts) and returns the command groups whose subcommands need the same error handling;
 * the single-file agent is built without it, so it carries no server code.
 */
export function buildProgram(name = "caveat", extend?: (program: Command) => Command[]): Command {
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
    .option("--submit [url]", "send the inventory to the collector (URL, or submitUrl from the config file); it is spooled on disk first")
    .option("--token <token>", "collector token (default: $CAVEAT_TOKEN, then token or tokenFile in the config file)")
    .option("--config <file>", "agent config file (default: $CAVEAT_CONFIG, then /etc/caveat/agent.json or %ProgramData%\\caveat\\agent.json)")
    .option("--spool <dir>", "where inventories wait until the collector accepts them (default: per platform, see docs/agent-submit.md)")
    .option("--spool-max-items <n>", "keep at most N waiting inventories; the oldest are dropped (default 200)")
    .option("--spool-max-bytes <n>", "keep at most N bytes of waiting inventories; the oldest are dropped (default 100 MB)")
    .option("--submit-timeout <ms>", "give up on one request after MS milliseconds; the inventory stays spooled (default 60000)")
    .action(async (options) => {
      await scanCommand(options);
    });

  program
    .command("submit")
    .description("send the spooled inventories to the collector now (after an outage), oldest first; FILES are added to the spool first")
    .argument("[files...]", "inventory files to add to the spool (e.g. from the legacy PowerShell script)")
    .option("--url <url>", "the collector's inventories URL (default: submitUrl from the config file)")
    .option("--token <token>", "collector token (default: $CAVEAT_TOKEN, then token or tokenFile in the config file)")
    .option("--config <file>", "agent config file (default: $CAVEAT_CONFIG, then /etc/caveat/agent.json or %ProgramData%\\caveat\\agent.json)")
    .option("--spool <dir>", "the spool directory (default: per platform, see docs/agent-submit.md)")
    .option("--due-only", "only inventories whose next attempt time has come (what a scheduled run does)")
    .option("--requeue-rejected", "put inventories the collector refused (spool/rejected/) back in the spool first, e.g. after fixing the token")
    .option("--spool-max-items <n>", "keep at most N waiting inventories (default 200)")
    .option("--spool-max-bytes <n>", "keep at most N bytes of waiting inventories (default 100 MB)")
    .option("--timeout <ms>", "give up on one request after MS milliseconds (default 60000)")
    .action(async (files: string[], options) => {
      await submitCommand(files, options);
    });

  program
    .command("validate")
    .description("check inventory JSON files against the caveat.inventory/v1 schema")
    .argument("<files...>", "inventory files")
    .action(async (files: string[]) => {
      await validateCommand(files);
    });

  const schedule = program
    .command("schedule")
    .description("the OS scheduler entry that runs `scan --submit` (systemd timer or cron, launchd, Task Scheduler); see docs/agent-schedule.md");
  schedule
    .command("install")
    .description("install or replace the scheduled scan (as root / Administrator)")
    .option("--every <interval>", "how often: 15m to 7d, e.g. 30m, 6h, 1d (default 6h)")
    .option("--config <file>", "the agent config file the job passes to scan (default: $CAVEAT_CONFIG, then /etc/caveat/agent.json or %ProgramData%\\caveat\\agent.json)")
    .option("--node <path>", "the node binary the job runs (default: the one running now)")
    .option("--agent <path>", "the caveat CLI or single-file agent the job runs (default: the file running now)")
    .option("--dry-run", "print what would be written and run, change nothing")
    .action(async (options) => {
      await scheduleInstallCommand(options);
    });
  schedule
    .command("remove")
    .description("remove the scheduled scan; nothing to remove is not an error")
    .option("--dry-run", "print what would be removed and run, change nothing")
    .action(async (options) => {
      await scheduleRemoveCommand(options);
    });
  schedule
    .command("status")
    .description("show the scheduled scan: scheduler, interval, last and next run; exit 3 when it is not installed")
    .action(async () => {
      await scheduleStatusCommand();
    });

  const groups = [schedule, ...(extend?.(program) ?? [])];
  for (const command of [...program.commands, ...groups.flatMap((g) => g.commands)]) command.exitOverride().configureOutput({ writeErr: (text) => process.stderr.write(text) });
  return program;
}

export { CommanderError };
