// Reads inventory files and directories for evaluation: every file is parsed and validated, every
// problem is collected (not just the first), and only what evaluation needs is kept in memory.
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { ContractError, parseInventory } from "../../../schemas/validate.js";
import type { ScanFacts } from "./evaluate.js";

export class InventoryInputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.slice(0, 20).join("\n") + (problems.length > 20 ? `\n...and ${problems.length - 20} more problems` : ""));
    this.name = "InventoryInputError";
  }
}

/** Expands directories (recursively, *.json, hidden entries skipped) into a sorted list of files. */
export async function listInventoryFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  const problems: string[] = [];
  const walk = async (path: string, explicit: boolean): Promise<void> => {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      problems.push(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      return;
    }
    if (info.isDirectory()) {
      const names = (await readdir(path)).filter((n) => !n.startsWith(".")).sort();
      for (const name of names) await walk(join(path, name), false);
    } else if (explicit || path.endsWith(".json")) files.push(path);
  };
  for (const path of paths) await walk(path, true);
  if (problems.length > 0) throw new InventoryInputError(problems);
  return files;
}

/** Keeps the parts of an inventory that evaluation reads; probes, disks, NICs and peripherals are dropped. */
export function toScanFacts(inventory: ScanFacts): ScanFacts {
  const { scanId, collectedAt, endpoint, os, software, client } = inventory;
  return client === undefined ? { scanId, collectedAt, endpoint, os, software } : { scanId, collectedAt, endpoint, os, software, client };
}

/**
 * Reads, parses and validates files with bounded concurrency (I/O overlaps parsing).
 * Throws InventoryInputError naming every bad file; nothing is returned unless all are valid.
 */
export async function readInventories(files: readonly string[], concurrency = 16): Promise<ScanFacts[]> {
  const scans: ScanFacts[] = new Array(files.length);
  const problems: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      const file = files[i]!;
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch (error) {
        problems.push(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
        continue;
      }
      try {
        scans[i] = toScanFacts(parseInventory(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, file));
      } catch (error) {
        if (!(error instanceof ContractError)) throw error;
        problems.push(error.message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  if (problems.length > 0) throw new InventoryInputError(problems);
  return scans;
}
