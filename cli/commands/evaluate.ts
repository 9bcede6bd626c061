import { loadCatalogFile } from "../../collector/src/catalog/load-catalog.js";
import { compileCatalog } from "../../collector/src/evaluate/compile-catalog.js";
import { digestFiles } from "../../collector/src/evaluate/digest-files.js";
import { findingsFromDigests, SEVERITIES } from "../../collector/src/evaluate/evaluate.js";
import { listInventoryFiles } from "../../collector/src/evaluate/read-inventories.js";
import { inputErrors } from "../input-errors.js";
import { loadDataset } from "../../collector/src/lifecycle/dataset.js";
import { AGENT_VERSION } from "../../agent/src/version.js";
import type { Findings } from "../../schemas/findings.v1.js";
import { CliError, EXIT_FINDINGS } from "../errors.js";
import { formatFindingsCsv, formatFindingsTable } from "../findings-format.js";
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
export async function evaluateCommand(paths: string[], options: EvaluateCommandOptions): Promise<Findings> {
  const format = oneOf(options.format ?? "json", FORMATS, "--format");
  const failOn = oneOf(options.failOn ?? "high", FAIL_ON, "--fail-on");
  const asOf = options.asOf === undefined ? todayIso() : parseIsoDate(options.asOf, "--as-of");
  const workers = options.workers === undefined ? undefined : parseCount(options.workers, "--workers");
  const started = performance.now();
  // Workers start parsing inventories while this thread reads the catalog and the lifecycle data.
  const files = await inputErrors(listInventoryFiles(paths));
  const inputs = Promise.all([inputErrors(loadCatalogFile(options.catalog)), inputErrors(loadDataset(options.lifecycleDir))]);
  const rules = inputs.then(([loaded, dataset]) => ({ catalog: loaded.catalog, procurement: loaded.procurement, products: dataset.products, asOf }));
  const { digests, threads } = await inputErrors(digestFiles(files, rules, workerUrl(), workers));
  const [loaded, dataset] = await inputs;
  const client = loaded.catalog.client;
  const foreign = digests.filter((s) => s.client !== undefined && s.client !== client);
  if (foreign.length > 0) {
    const first = foreign[0]!;
    throw new CliError(`${foreign.length} inventor${foreign.length === 1 ? "y belongs" : "ies belong"} to another client than the catalog's "${client}" (e.g. ${first.endpoint.hostname}, client "${first.client}", scan ${first.scanId}); evaluate each client with its own catalog`);
  }
  const findings = findingsFromDigests(digests, {
    catalog: compileCatalog(loaded.catalog, loaded.procurement),
    lifecycle: dataset.index,
    asOf,
    generatedAt: new Date().toISOString(),
    generator: `caveat ${AGENT_VERSION}`,
  });
  const text = format === "json" ? `${JSON.stringify(findings, null, options.pretty ? 2 : undefined)}\n` : format === "csv" ? formatFindingsCsv(findings) : formatFindingsTable(findings, process.stdout.columns || 160);
  if (options.out) await writeFileAtomic(options.out, text);
  else await writeStdout(text);
  const s = findings.summary;
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  log(`evaluated ${s.scans} scan${s.scans === 1 ? "" : "s"} of ${s.endpoints} endpoint${s.endpoints === 1 ? "" : "s"} for ${client} as of ${asOf} in ${seconds} s${threads > 1 ? ` (${threads} worker threads)` : ""}: ${s.findings} findings (${s.waived} waived)${options.out ? ` -> ${options.out}` : ""}`);
  if (failOn !== "none") {
    const threshold = SEVERITIES.indexOf(failOn);
    const failing = findings.findings.filter((f) => !f.waived && SEVERITIES.indexOf(f.severity) <= threshold).length;
    if (failing > 0) throw new CliError(`${failing} unwaived finding${failing === 1 ? "" : "s"} at or above ${failOn}`, EXIT_FINDINGS);
  }
  return findings;
}

/** Worker threads run dist/caveat-digest-worker.mjs, built beside the bundled CLI; from TypeScript sources (tests) everything stays in this thread. */
function workerUrl(): URL | undefined {
  return import.meta.url.endsWith(".mjs") ? new URL("./caveat-digest-worker.mjs", import.meta.url) : undefined;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new CliError(`${flag} ${JSON.stringify(value)}: expected one of ${allowed.join(", ")}`);
  return value as T;
}
