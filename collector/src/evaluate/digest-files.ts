// Reads, validates and digests inventory files, on several cores when there are many: JSON parsing
// and schema validation are most of the cost of evaluating a fleet, and they are independent per file.
//
// Worker protocol (each worker is dist/caveat-digest-worker.mjs, cli/digest-worker-entry.ts, in a worker thread):
//   1. it parses and validates its share of the files at once, while the main thread loads the catalog;
//   2. main sends the rules (catalog, register, lifecycle products, as-of date); the worker digests the
//      scans parsed so far, then each further one as it is parsed, and posts the digests in batches as
//      it goes (the last one says done, with the problems), without their software lists (the bulk of the data);
//   3. main asks for the software of the scans the history rules need (endpoints with several scans),
//      the worker answers and exits.
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { Catalog, Purchase } from "../../../schemas/catalog.v1.js";
import type { LifecycleProduct } from "../../../schemas/lifecycle.v1.js";
import { ContractError, parseInventory } from "../../../schemas/validate.js";
import { LifecycleIndex } from "../lifecycle/match.js";
import { compileCatalog } from "./compile-catalog.js";
import { digestScan, scansNeedingSoftware, softwareBriefs, type ScanDigest, type ScanFacts, type ScanRuleOptions, type SoftwareBrief } from "./evaluate.js";
import { InventoryInputError, toScanFacts } from "./read-inventories.js";

export const DIGEST_WORKER = "caveat.digest-worker";

export interface DigestWorkerData {
  kind: typeof DIGEST_WORKER;
  files: string[];
}

/** The rules every worker needs, as plain data (copied into each worker). */
export interface RulesData {
  catalog: Catalog;
  procurement: Purchase[];
  products: LifecycleProduct[];
  asOf: string;
}

type ToWorker = { type: "rules"; rules: RulesData } | { type: "software"; scanIds: string[] };
/** Digests come in batches while the worker runs (the main thread, idle meanwhile, receives them); the last one is `done`. */
type FromWorker = { type: "digests"; digests: ScanDigest[]; problems: string[]; done: boolean } | { type: "software"; software: [string, SoftwareBrief[]][] };

/** Below this many files a worker's start-up (~100 ms) costs more than it saves. */
const FILES_PER_WORKER = 250;
/** Digests per message from a worker. */
const DIGEST_BATCH = 200;

/**
 * Digests every file; throws InventoryInputError naming every bad file (nothing is returned unless all
 * are valid). `rules` is awaited while the workers already parse. `workerUrl` is the module that calls
 * runDigestWorker() in a worker thread (dist/caveat-digest-worker.mjs); without it, or for few files, all runs here.
 * `workers` overrides the automatic count (one per core when there are at least 500 files; 0 or 1: none).
 */
export async function digestFiles(files: readonly string[], rules: Promise<RulesData>, workerUrl?: URL, workers?: number): Promise<{ digests: ScanDigest[]; threads: number }> {
  const count = !workerUrl ? 0 : (workers ?? Math.min(availableParallelism(), 8, Math.floor(files.length / FILES_PER_WORKER)));
  if (count < 2 || files.length < 2) {
    const parsed = parseFiles(files);
    const options = ruleOptions(await rules);
    if (parsed.problems.length > 0) throw new InventoryInputError(parsed.problems);
    return { digests: parsed.scans.map((scan) => digestScan(scan, options)), threads: 0 };
  }
  const size = Math.ceil(files.length / count);
  const pool = Array.from({ length: Math.ceil(files.length / size) }, (_, i) => new DigestWorker(workerUrl!, files.slice(i * size, (i + 1) * size)));
  try {
    const data = await rules;
    for (const w of pool) w.send({ type: "rules", rules: data });
    const answers = await Promise.all(
      pool.map(async (w) => {
        const answer: { digests: ScanDigest[]; problems: string[] } = { digests: [], problems: [] };
        for (;;) {
          const batch = await w.next("digests");
          for (const d of batch.digests) answer.digests.push(d);
          for (const p of batch.problems) answer.problems.push(p);
          if (batch.done) return answer;
        }
      }),
    );
    const digests = answers.flatMap((a) => a.digests);
    const problems = answers.flatMap((a) => a.problems);
    const wanted = problems.length > 0 ? new Set<string>() : scansNeedingSoftware(digests);
    const byScan = new Map<string, SoftwareBrief[]>();
    await Promise.all(
      pool.map(async (w, i) => {
        w.send({ type: "software", scanIds: answers[i]!.digests.filter((d) => wanted.has(d.scanId)).map((d) => d.scanId) });
        for (const [scanId, software] of (await w.next("software")).software) byScan.set(scanId, software);
      }),
    );
    if (problems.length > 0) throw new InventoryInputError(problems);
    for (const d of digests) {
      const software = byScan.get(d.scanId);
      if (software) d.software = software;
    }
    return { digests, threads: pool.length };
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

function ruleOptions(rules: RulesData): ScanRuleOptions {
  return { catalog: compileCatalog(rules.catalog, rules.procurement), lifecycle: new LifecycleIndex(rules.products), asOf: rules.asOf };
}

function parseFiles(files: readonly string[]): { scans: ScanFacts[]; problems: string[] } {
  const scans: ScanFacts[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const scan = parseFile(file, problems);
    if (scan) scans.push(scan);
  }
  return { scans, problems };
}

/** One file's facts, or undefined with its problem added to `problems`. */
function parseFile(file: string, problems: string[]): ScanFacts | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    problems.push(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    return undefined;
  }
  try {
    return toScanFacts(parseInventory(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, file));
  } catch (error) {
    if (!(error instanceof ContractError)) throw error;
    problems.push(error.message);
    return undefined;
  }
}

/** The main thread's side of one worker: messages in order, failures as rejections. */
class DigestWorker {
  private readonly worker: Worker;
  private readonly inbox: FromWorker[] = [];
  private waiting?: { resolve: (m: FromWorker) => void; reject: (e: Error) => void };
  private failure?: Error;

  constructor(url: URL, files: string[]) {
    this.worker = new Worker(url, { workerData: { kind: DIGEST_WORKER, files } satisfies DigestWorkerData });
    this.worker.on("message", (message: FromWorker) => {
      if (this.waiting) {
        this.waiting.resolve(message);
        this.waiting = undefined;
      } else this.inbox.push(message);
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      this.waiting?.reject(error);
      this.waiting = undefined;
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => fail(new Error(`evaluation worker exited (code ${code}) before answering`)));
  }

  send(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  async next<T extends FromWorker["type"]>(type: T): Promise<Extract<FromWorker, { type: T }>> {
    const message = this.inbox.shift() ?? (await new Promise<FromWorker>((resolve, reject) => (this.failure ? reject(this.failure) : (this.waiting = { resolve, reject }))));
    if (message.type !== type) throw new Error(`internal: evaluation worker answered ${message.type}, expected ${type}`);
    return message as Extract<FromWorker, { type: T }>;
  }

  async terminate(): Promise<void> {
    this.worker.removeAllListeners("exit");
    await this.worker.terminate();
  }
}

/** The software of a scan read again from its file (validated on the first read); it must still be that scan. */
function reread(file: string | undefined, scanId: string): ScanFacts["software"] {
  const problems: string[] = [];
  const scan = file === undefined ? undefined : parseFile(file, problems);
  if (!scan || scan.scanId !== scanId) throw new Error(`${file ?? scanId}: changed while it was being evaluated${problems.length ? ` (${problems[0]})` : ""}`);
  return scan.software;
}

/** The worker side: cli/digest-worker-entry.ts calls this in each worker thread. */
export function runDigestWorker(data: DigestWorkerData, port: { on(event: "message", listener: (m: ToWorker) => void): void; postMessage(m: FromWorker): void }): void {
  const problems: string[] = [];
  let digests: ScanDigest[] = [];
  // Scans parsed before the rules arrived; afterwards each scan is digested as soon as it is parsed, and
  // digests are posted in batches, so the main thread receives them while the workers still run.
  const waiting: [string, ScanFacts][] = [];
  // Where each scan came from: the history rules need the software of endpoints with several scans, which
  // only the main thread knows. Re-reading those few files later beats keeping every parsed software list
  // alive (the live heap is what makes garbage collection expensive).
  const kept = new Map<string, string>();
  let options: ScanRuleOptions | undefined;
  let parsed = false;
  const digest = (file: string, scan: ScanFacts) => {
    kept.set(scan.scanId, file);
    digests.push(digestScan(scan, options!, false));
    if (digests.length >= DIGEST_BATCH) {
      port.postMessage({ type: "digests", digests, problems: [], done: false });
      digests = [];
    }
  };
  const answer = () => {
    if (parsed && options) port.postMessage({ type: "digests", digests, problems, done: true });
  };
  port.on("message", (message) => {
    if (message.type === "rules") {
      options = ruleOptions(message.rules);
      for (const [file, scan] of waiting.splice(0)) digest(file, scan);
      answer();
    } else {
      port.postMessage({ type: "software", software: message.scanIds.map((id) => [id, softwareBriefs(reread(kept.get(id), id))]) });
    }
  });
  // A few files at a time, so that the rules message is received as soon as it comes.
  let next = 0;
  const step = () => {
    for (const end = Math.min(next + 8, data.files.length); next < end; next++) {
      const file = data.files[next]!;
      const scan = parseFile(file, problems);
      if (!scan) continue;
      if (options) digest(file, scan);
      else waiting.push([file, scan]);
    }
    if (next < data.files.length) setImmediate(step);
    else {
      parsed = true;
      answer();
    }
  };
  step();
}
