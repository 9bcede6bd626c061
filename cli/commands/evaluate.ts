import { loadCatalogFile } from "../../collector/src/catalog/load-catalog.js";
import { evaluateFiles } from "../../collector/src/evaluate/digest-files.js";
import { SEVERITIES } from "../../collector/src/evaluate/evaluate.js";
import { assembleFindings } from "../../collector/src/evaluate/prepared.js";
import { listInventoryFiles } from "../../collector/src/evaluate/read-inventories.js";
import { inputErrors } from "../input-errors.js";
import { loadDataset } from "../../collector/src/lifecycle/dataset.js";
import { AGENT_VERSION } from "../../agent/src/version.js";
import type { Findings } from "../../schemas/findings.v1.js";
import { CliError, EXIT_FINDINGS } from "../errors.js";
import { log, writeFileAtomic, writeStdout } from "../io.js";
import { parseCount, parseIsoDate, todayIso } from "../options.js";

export interface EvaluateCommandOptions {
  catalog: string;
  asOf?: string;
  format?: string;
  failOn?: string;
  out?: string;
  lifecycleDir?: string;
  pretty?: boolean;
  workers?: string;
}

const FORMATS = ["json", "table", "csv"] as const;
const FAIL_ON = [...SEVERITIES, "none"] as const;

/** Evaluates inventories against a client's catalog; exits 1 when an unwaived finding is at or above --fail-on. */
export async function evaluateCommand(paths: string[], options: EvaluateCommandOptions): Promise<void> {
  const format = oneOf(options.format ?? "json", FORMATS, "--format");
  const failOn = oneOf(options.failOn ?? "high", FAIL_ON, "--fail-on");
  const asOf = options.asOf === undefined ? todayIso() : parseIsoDate(options.asOf, "--as-of");
  const workers = options.workers === undefined ? undefined : parseCount(options.workers, "--workers");
  const started = performance.now();
  // Workers start parsing inventories while this thread reads the catalog and the lifecycle data.
  const files = await inputErrors(listInventoryFiles(paths));
  const inputs = Promise.all([inputErrors(loadCatalogFile(options.catalog)), inputErrors(loadDataset(options.lifecycleDir))]);
  const rules = inputs.then(([loaded, dataset]) => ({ catalog: loaded.catalog, procurement: loaded.procurement, products: dataset.products, asOf }));
  const evaluated = await inputErrors(evaluateFiles(files, rules, { workerUrl: workerUrl(), workers }));
  const [loaded] = await inputs;
  const client = loaded.catalog.client;
  if (evaluated.foreign.length > 0) {
    const first = evaluated.foreign[0]!;
    throw new CliError(`${evaluated.foreign.length} inventor${evaluated.foreign.length === 1 ? "y belongs" : "ies belong"} to another client than the catalog's "${client}" (e.g. ${first.hostname}, client "${first.client}", scan ${first.scanId}); evaluate each client with its own catalog`);
  }
  // The threads serialised the findings; the document is assembled from their bytes, and parsed back only for other layouts.
  const { bytes, summary: s, findings } = assembleFindings(evaluated.endpoints, evaluated.chunks, evaluated.scans, {
    catalog: evaluated.catalog,
    asOf,
    generatedAt: new Date().toISOString(),
    generator: `caveat ${AGENT_VERSION}`,
  });
  const document = () => JSON.parse(bytes.toString("utf8")) as Findings;
  // The layouts other than JSON are loaded when asked for (csv-stringify is 10 ms of a start).
  const layout = format === "json" ? undefined : await import("../findings-format.js");
  const text = !layout ? (options.pretty ? `${JSON.stringify(document(), null, 2)}\n` : bytes) : format === "csv" ? layout.formatFindingsCsv(document()) : layout.formatFindingsTable(document(), process.stdout.columns || 160);
  if (options.out) await writeFileAtomic(options.out, text);
  else await writeStdout(text);
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const threads = evaluated.workers > 0 ? ` (main thread and ${evaluated.workers} worker thread${evaluated.workers === 1 ? "" : "s"})` : "";
  log(`evaluated ${s.scans} scan${s.scans === 1 ? "" : "s"} of ${s.endpoints} endpoint${s.endpoints === 1 ? "" : "s"} for ${client} as of ${asOf} in ${seconds} s${threads}: ${s.findings} findings (${s.waived} waived)${options.out ? ` -> ${options.out}` : ""}`);
  if (failOn !== "none") {
    const threshold = SEVERITIES.indexOf(failOn);
    const failing = findings.filter((f) => !f.waived && SEVERITIES.indexOf(f.severity) <= threshold).length;
    if (failing > 0) throw new CliError(`${failing} unwaived finding${failing === 1 ? "" : "s"} at or above ${failOn}`, EXIT_FINDINGS);
  }
}

/** Worker threads run dist/caveat-digest-worker.mjs, built beside the bundled CLI; from TypeScript sources (tests) everything stays in this thread. */
function workerUrl(): URL | undefined {
  return import.meta.url.endsWith(".mjs") ? new URL("./caveat-digest-worker.mjs", import.meta.url) : undefined;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new CliError(`${flag} ${JSON.stringify(value)}: expected one of ${allowed.join(", ")}`);
  return value as T;
}
