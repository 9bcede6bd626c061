// The only place that calls process.exit: maps errors to exit codes and one-line messages.
import { buildProgram, CommanderError } from "./program.js";
import { CliError, EXIT_USAGE } from "./errors.js";

export async function main(argv: string[], name?: string, extend?: Parameters<typeof buildProgram>[1]): Promise<number> {
  const program = buildProgram(name, extend);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed its message (help, version, or the usage error).
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (error instanceof CliError) {
      process.stderr.write(`${program.name()}: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`${program.name()}: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    return 70;
  }
}

export async function run(name?: string, extend?: Parameters<typeof buildProgram>[1]): Promise<void> {
  process.exitCode = await main(process.argv.slice(2), name, extend);
}
