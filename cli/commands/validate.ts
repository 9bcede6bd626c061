import { readFile } from "node:fs/promises";
import { ContractError, parseInventory } from "../../schemas/validate.js";
import { CliError } from "../errors.js";
import { log } from "../io.js";

/** Checks inventory files (e.g. written by the legacy PowerShell script) against caveat.inventory/v1. */
export async function validateCommand(files: string[]): Promise<void> {
  const problems: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      throw new CliError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    try {
      const inventory = parseInventory(text.replace(/^\uFEFF/, ""), file);
      log(`${file}: valid caveat.inventory/v1 (${inventory.endpoint.hostname}, ${inventory.software.length} software)`);
    } catch (error) {
      if (!(error instanceof ContractError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) throw new CliError(problems.join("\n"));
}
