// The lifecycle dataset in use: the bundled data files, plus date updates an MSP imported from
// endoflife.date (`caveat lifecycle import`) kept in an updates directory. Bundled matchers always
// apply; imported files only change dates and add cycles, so an upgrade of caveat keeps better matchers.
import { readdir, readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Cycle, LifecycleProduct } from "../../../schemas/lifecycle.v1.js";
import { ContractError, checkLifecycleProduct, jsonLocator } from "../../../schemas/validate.js";
import { BUNDLED_PRODUCTS } from "./data/index.js";
import { LifecycleIndex } from "./match.js";

export const UPDATE_SCHEMA = "caveat.lifecycle-update/v1";

/** One product's imported dates, as written by `caveat lifecycle import`. */
export interface LifecycleUpdate {
  schema: typeof UPDATE_SCHEMA;
  product: string;
  importedFrom: string;
  importedAt: string;
  cycles: Cycle[];
}

export interface Dataset {
  index: LifecycleIndex;
  products: LifecycleProduct[];
  /** The update files that were applied. */
  updates: { product: string; file: string; importedAt: string }[];
}

/** Where imported updates live: CAVEAT_LIFECYCLE_DIR, else $XDG_DATA_HOME/caveat/lifecycle, else ~/.local/share/caveat/lifecycle. */
export function defaultUpdatesDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CAVEAT_LIFECYCLE_DIR) return env.CAVEAT_LIFECYCLE_DIR;
  return join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "caveat", "lifecycle");
}

export function bundledProducts(): LifecycleProduct[] {
  return BUNDLED_PRODUCTS;
}

export async function loadDataset(updatesDir: string | undefined = defaultUpdatesDir()): Promise<Dataset> {
  const updates = updatesDir ? await readUpdates(updatesDir) : [];
  const products = applyUpdates(BUNDLED_PRODUCTS, updates.map((u) => u.update));
  return { index: new LifecycleIndex(products), products, updates: updates.map(({ file, update }) => ({ product: update.product, file, importedAt: update.importedAt })) };
}

async function readUpdates(dir: string): Promise<{ file: string; update: LifecycleUpdate }[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith(".json")).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const out: { file: string; update: LifecycleUpdate }[] = [];
  for (const name of names) {
    const file = join(dir, name);
    const text = await readFile(file, "utf8");
    out.push({ file, update: parseUpdate(text, file) });
  }
  return out;
}

export function parseUpdate(text: string, source: string): LifecycleUpdate {
  let value: LifecycleUpdate;
  try {
    value = JSON.parse(text) as LifecycleUpdate;
  } catch (error) {
    throw new ContractError(UPDATE_SCHEMA, source, [{ pointer: "", message: `not valid JSON: ${(error as Error).message}` }]);
  }
  const fail = (pointer: string, message: string) => new ContractError(UPDATE_SCHEMA, source, [{ pointer, line: jsonLocator(text)(pointer), message }]);
  if (value?.schema !== UPDATE_SCHEMA) throw fail("/schema", `must be "${UPDATE_SCHEMA}"`);
  const bundled = BUNDLED_PRODUCTS.find((p) => p.product === value.product);
  if (!bundled) throw fail("/product", `must be a product caveat knows (${BUNDLED_PRODUCTS.map((p) => p.product).join(", ")})`);
  // The cycles follow the lifecycle contract's Cycle: check them inside their bundled product.
  const violations = checkLifecycleProduct({ ...bundled, cycles: value.cycles }, jsonLocator(text));
  if (violations.length > 0) throw new ContractError(UPDATE_SCHEMA, source, violations);
  return value;
}

/** Applies imported cycles over the bundled products: dates replace, new cycles append, matchers stay. */
export function applyUpdates(bundled: readonly LifecycleProduct[], updates: readonly LifecycleUpdate[]): LifecycleProduct[] {
  return bundled.map((product) => {
    const mine = updates.filter((u) => u.product === product.product);
    if (mine.length === 0) return product;
    const cycles = product.cycles.map((c) => ({ ...c }));
    for (const update of mine) {
      for (const incoming of update.cycles) {
        const index = cycles.findIndex((c) => c.cycle.toLowerCase() === incoming.cycle.toLowerCase());
        if (index === -1) cycles.push(incoming);
        else cycles[index] = mergeCycle(cycles[index]!, incoming);
      }
    }
    return { ...product, cycles };
  });
}

export const DATE_FIELDS = ["releaseDate", "support", "eol", "extendedSupport"] as const;

function mergeCycle(bundled: Cycle, incoming: Cycle): Cycle {
  const merged: Cycle = { ...bundled };
  for (const field of DATE_FIELDS) if (incoming[field] !== undefined) merged[field] = incoming[field] as never;
  const changed = DATE_FIELDS.some((f) => incoming[f] !== undefined && incoming[f] !== bundled[f]);
  if (changed) {
    merged.source = incoming.source;
    delete merged.estimate;
    merged.notes = incoming.notes ?? merged.notes;
  }
  return merged;
}
