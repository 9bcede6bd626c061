// Finds inventory files for evaluation and keeps only what evaluation reads of each (see digest-files.ts).
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
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
  const walkDir = async (dir: string): Promise<void> => {
    // withFileTypes: one readdir instead of a stat per file (a fleet directory holds thousands).
    const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith(".")).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walkDir(path);
      else if (entry.name.endsWith(".json") && (entry.isFile() || entry.isSymbolicLink())) files.push(path);
    }
  };
  for (const path of paths) {
    try {
      if ((await stat(path)).isDirectory()) await walkDir(path);
      else files.push(path);
    } catch (error) {
      problems.push(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  if (problems.length > 0) throw new InventoryInputError(problems);
  return files;
}

/** Keeps the parts of an inventory that evaluation reads; probes, disks, NICs and peripherals are dropped. */
export function toScanFacts(inventory: ScanFacts): ScanFacts {
  const { scanId, collectedAt, endpoint, os, software, client } = inventory;
  return client === undefined ? { scanId, collectedAt, endpoint, os, software } : { scanId, collectedAt, endpoint, os, software, client };
}
