import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { defaultUpdatesDir, loadDataset } from "../../collector/src/lifecycle/dataset.js";
import { importEndoflife } from "../../collector/src/lifecycle/endoflife-import.js";
import { lifecycleStatus } from "../../collector/src/lifecycle/status.js";
import { CliError } from "../errors.js";
import { inputErrors } from "../input-errors.js";
import { formatColumns, log, writeFileAtomic, writeStdout } from "../io.js";
import { parseIsoDate, todayIso } from "../options.js";

export interface LifecycleListOptions {
  product?: string;
  format?: string;
  asOf?: string;
  lifecycleDir?: string;
}

/** Prints what the dataset in use knows: every product and cycle with its dates, status and source. */
export async function lifecycleListCommand(options: LifecycleListOptions): Promise<void> {
  const asOf = options.asOf === undefined ? todayIso() : parseIsoDate(options.asOf, "--as-of");
  const dataset = await inputErrors(loadDataset(options.lifecycleDir));
  const products = options.product ? dataset.products.filter((p) => p.product === options.product) : dataset.products;
  if (options.product && products.length === 0) throw new CliError(`--product ${JSON.stringify(options.product)}: not a known product (${dataset.products.map((p) => p.product).join(", ")})`);
  for (const update of dataset.updates) log(`using dates imported into ${update.product} on ${update.importedAt.slice(0, 10)} (${update.file})`);
  if (options.format === "json") {
    await writeStdout(`${JSON.stringify(products, null, 2)}\n`);
    return;
  }
  if (options.format !== undefined && options.format !== "table") throw new CliError(`--format ${JSON.stringify(options.format)}: expected table or json`);
  const rows = products.flatMap((p) =>
    p.cycles.map((c) => {
      const state = lifecycleStatus(c, asOf, 180).state;
      return [p.product, c.cycle, c.label, String(c.eol) + (c.estimate ? " (est.)" : ""), c.extendedSupport === undefined ? "" : String(c.extendedSupport), state === "supported" ? "supported" : state];
    }),
  );
  const header = ["PRODUCT", "CYCLE", "LABEL", "EOL", "EXTENDED", `STATUS ${asOf}`];
  await writeStdout(`${formatColumns(header, rows)}\n${products.length} products, ${rows.length} cycles. Sources: caveat lifecycle list --format json\n`);
}

export interface LifecycleImportOptions {
  product?: string;
  lifecycleDir?: string;
  dryRun?: boolean;
}

/** Merges endoflife.date API JSON (a saved file: caveat never downloads it) into the updates directory. */
export async function lifecycleImportCommand(file: string, options: LifecycleImportOptions): Promise<void> {
  const dir = options.lifecycleDir ?? defaultUpdatesDir();
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new CliError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const dataset = await inputErrors(loadDataset(dir));
  const { update, changes, unmatchable } = await inputErrors(() => importEndoflife(text, file, dataset.products, options.product, new Date()));
  for (const change of changes) log(change);
  if (changes.length === 0) log(`${update.product}: no date differs from the dataset in use`);
  if (unmatchable.length > 0) log(`warning: ${update.product} cycles ${unmatchable.join(", ")} are new and caveat has no matcher for them yet: they are listed but no inventory will match them`);
  if (options.dryRun) return;
  const target = join(dir, `${update.product}.json`);
  await writeFileAtomic(target, `${JSON.stringify(update, null, 2)}\n`);
  log(`wrote ${target}: ${update.cycles.length} cycles from ${file}`);
}
