// Reads, checks and evaluates inventory files on every core: JSON parsing, schema checks and the rules
// are independent per file, and they are nearly all the cost of evaluating a fleet.
//
// Threads: the main thread and, for many files, worker threads (dist/caveat-digest-worker.mjs, from
// cli/digest-worker-entry.ts) take files from one queue, a few at a time: an Atomics counter over the
// sorted file list, shared by all. No thread idles while another has a backlog, and no more threads run than
// there are cores. Workers start parsing at once; the main thread first loads the catalog and the
// lifecycle data (the rules), sends them, then takes files too. Scans parsed before the rules arrive wait.
//
// Each scan is evaluated where it was parsed as if it were its endpoint's only scan, the usual case: its
// findings and endpoint summary come back already serialised (prepared.ts), so the main thread only sorts
// and joins. An endpoint found with several scans is evaluated again, from digests that include the
// software: the threads rebuild those from the files on request (re-reading a few files beats keeping every
// parsed software list alive, which made garbage collection the bottleneck).
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { Catalog, Purchase } from "../../../schemas/catalog.v1.js";
import type { LifecycleProduct } from "../../../schemas/lifecycle.v1.js";
import { ContractError, parseInventory } from "../../../schemas/validate.js";
import { LifecycleIndex } from "../lifecycle/match.js";
import { compileCatalog, type CompiledCatalog } from "./compile-catalog.js";
import { digestScan, evaluateEndpoint, type EvaluateOptions, type ScanDigest, type ScanFacts } from "./evaluate.js";
import { Chunks, prepareEndpoint, TextSink, type PreparedEndpoint } from "./prepared.js";
import { InventoryInputError, toScanFacts } from "./read-inventories.js";

export const DIGEST_WORKER = "caveat.digest-worker";

export interface DigestWorkerData {
  kind: typeof DIGEST_WORKER;
  files: readonly string[];
  /** Int32Array over a SharedArrayBuffer: [0] is the index of the next file nobody has taken. */
  queue: Int32Array;
  /** The number of this worker's TextSink (the main thread's is 0). */
  sink: number;
}

/** The rules every thread needs, as plain data (copied into each worker). */
export interface RulesData {
  catalog: Catalog;
  procurement: Purchase[];
  products: LifecycleProduct[];
  asOf: string;
}

/** One scan, evaluated where it was parsed. */
export interface ScanOutcome {
  /** Position in the file list: of files holding the same scan, the first counts. */
  index: number;
  scanId: string;
  endpointId: string;
  hostname: string;
  client?: string;
  /** The endpoint's part of the findings if this is its only scan. */
  alone: PreparedEndpoint;
}

type ToWorker = { type: "rules"; rules: RulesData } | { type: "digests"; scans: [index: number, scanId: string][] };
/** Outcomes come in batches while the worker runs, with the text chunks filled so far (transferred); the last batch says done. */
type FromWorker = { type: "outcomes"; outcomes: ScanOutcome[]; problems: [number, string][]; chunks: ArrayBuffer[]; done: boolean } | { type: "digests"; digests: ScanDigest[] };

/** Below this many files per worker, a worker's start-up (~50 ms of a core) costs more than it saves. */
const FILES_PER_WORKER = 250;
/** Files taken from the queue at a time. */
const FILES_PER_TAKE = 8;
/** Outcomes per message from a worker. */
const OUTCOME_BATCH = 200;

export interface EvaluatedFiles {
  /** Every endpoint's part of the findings document. */
  endpoints: PreparedEndpoint[];
  /** The serialised text they point into. */
  chunks: Chunks;
  /** Distinct scans. */
  scans: number;
  /** Scans whose inventory names another client than the catalog's. */
  foreign: { scanId: string; hostname: string; client: string }[];
  /** Worker threads used beside the main thread. */
  workers: number;
  /** The catalog as this thread compiled it (for the document's envelope). */
  catalog: CompiledCatalog;
}

/**
 * Evaluates every file; throws InventoryInputError naming every bad file (nothing is returned unless all are
 * valid). `rules` is awaited while the workers already parse. `workerUrl` is the module that calls
 * runDigestWorker() in a worker thread; without it everything runs on this thread. `workers` overrides the
 * automatic count of worker threads (one per core beyond this one, one per 250 files at most; 0: none).
 */
export async function evaluateFiles(files: readonly string[], rules: Promise<RulesData>, options: { workerUrl?: URL; workers?: number } = {}): Promise<EvaluatedFiles> {
  const count = !options.workerUrl ? 0 : Math.max(0, options.workers ?? Math.min(availableParallelism() - 1, 7, Math.floor(files.length / FILES_PER_WORKER)));
  const queue = new Int32Array(new SharedArrayBuffer(4));
  const pool = Array.from({ length: count }, (_, i) => new DigestWorker(options.workerUrl!, { kind: DIGEST_WORKER, files, queue, sink: i + 1 }));
  const chunks = new Chunks();
  try {
    const data = await rules;
    for (const w of pool) w.send({ type: "rules", rules: data });
    const local = new FileEvaluator(files, queue, new TextSink(0));
    local.setRules(data);
    while (local.take()) {
      // This thread's share: taken until the queue is empty.
    }
    const outcomes = local.outcomes;
    const problems = local.problems;
    await Promise.all(
      pool.map(async (w, i) => {
        for (;;) {
          const batch = await w.next("outcomes");
          chunks.add(i + 1, batch.chunks);
          for (const o of batch.outcomes) outcomes.push(o);
          for (const p of batch.problems) problems.push(p);
          if (batch.done) return;
        }
      }),
    );
    if (problems.length > 0) throw new InventoryInputError(problems.sort((a, b) => a[0] - b[0]).map(([, message]) => message));
    outcomes.sort((a, b) => a.index - b.index);
    const byEndpoint = new Map<string, ScanOutcome[]>();
    const seen = new Set<string>();
    const foreign: EvaluatedFiles["foreign"] = [];
    for (const o of outcomes) {
      if (seen.has(o.scanId)) continue;
      seen.add(o.scanId);
      if (o.client !== undefined && o.client !== data.catalog.client) foreign.push({ scanId: o.scanId, hostname: o.hostname, client: o.client });
      const list = byEndpoint.get(o.endpointId);
      if (list) list.push(o);
      else byEndpoint.set(o.endpointId, [o]);
    }
    const endpoints: PreparedEndpoint[] = [];
    const histories: ScanOutcome[] = [];
    for (const list of byEndpoint.values()) {
      if (list.length === 1) endpoints.push(list[0]!.alone);
      else for (const o of list) histories.push(o);
    }
    if (histories.length > 0) {
      const digests = await digestsAgain(histories, local, pool);
      const byId = new Map<string, ScanDigest[]>();
      for (const d of digests) {
        const history = byId.get(d.endpoint.id);
        if (history) history.push(d);
        else byId.set(d.endpoint.id, [d]);
      }
      for (const history of byId.values()) endpoints.push(prepareEndpoint(evaluateEndpoint(history, local.options!), local.sink));
    }
    chunks.add(0, local.sink.chunks);
    return { endpoints, chunks, scans: seen.size, foreign, workers: pool.length, catalog: local.options!.catalog };
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

/** The digests, with software, of scans in histories: every thread rebuilds a share from the files. */
async function digestsAgain(scans: ScanOutcome[], local: FileEvaluator, pool: DigestWorker[]): Promise<ScanDigest[]> {
  const shares: [number, string][][] = Array.from({ length: pool.length + 1 }, () => []);
  scans.forEach((o, i) => shares[i % shares.length]!.push([o.index, o.scanId]));
  const asked = pool.map(async (w, i) => {
    w.send({ type: "digests", scans: shares[i + 1]! });
    return (await w.next("digests")).digests;
  });
  const mine = local.digestsAgain(shares[0]!);
  return [...mine, ...(await Promise.all(asked)).flat()];
}

function ruleOptions(rules: RulesData): EvaluateOptions {
  return { catalog: compileCatalog(rules.catalog, rules.procurement), lifecycle: new LifecycleIndex(rules.products), asOf: rules.asOf, generatedAt: "" };
}

/** One thread's side of the work: files taken from the shared queue, parsed, checked and evaluated. */
class FileEvaluator {
  options?: EvaluateOptions;
  outcomes: ScanOutcome[] = [];
  problems: [number, string][] = [];
  private readonly waiting: [number, ScanFacts][] = [];

  constructor(
    private readonly files: readonly string[],
    private readonly queue: Int32Array,
    readonly sink: TextSink,
  ) {}

  /** Takes a few files from the queue; false when it was empty. Scans wait while the rules have not come. */
  take(): boolean {
    const start = Atomics.add(this.queue, 0, FILES_PER_TAKE);
    if (start >= this.files.length) return false;
    for (let index = start; index < Math.min(start + FILES_PER_TAKE, this.files.length); index++) {
      const scan = parseFile(this.files[index]!, (problem) => this.problems.push([index, problem]));
      if (!scan) continue;
      if (this.options) this.evaluate(index, scan);
      else this.waiting.push([index, scan]);
    }
    return true;
  }

  setRules(rules: RulesData): void {
    this.options = ruleOptions(rules);
    for (const [index, scan] of this.waiting.splice(0)) this.evaluate(index, scan);
  }

  private evaluate(index: number, scan: ScanFacts): void {
    const options = this.options!;
    const alone = prepareEndpoint(evaluateEndpoint([digestScan(scan, options, false)], options), this.sink);
    const outcome: ScanOutcome = { index, scanId: scan.scanId, endpointId: scan.endpoint.id, hostname: scan.endpoint.hostname, alone };
    if (scan.client !== undefined) outcome.client = scan.client;
    this.outcomes.push(outcome);
  }

  /** Digests with software, read again from the files (checked on the first read); each must still hold its scan. */
  digestsAgain(scans: [index: number, scanId: string][]): ScanDigest[] {
    return scans.map(([index, scanId]) => {
      const file = this.files[index]!;
      const problems: string[] = [];
      const scan = parseFile(file, (problem) => problems.push(problem));
      if (!scan || scan.scanId !== scanId) throw new Error(`${file}: changed while it was being evaluated${problems.length ? ` (${problems[0]})` : ""}`);
      return digestScan(scan, this.options!, true);
    });
  }
}

/** One file's facts, or undefined after reporting its problem. */
function parseFile(file: string, report: (problem: string) => void): ScanFacts | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    report(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    return undefined;
  }
  try {
    return toScanFacts(parseInventory(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, file));
  } catch (error) {
    if (!(error instanceof ContractError)) throw error;
    report(error.message);
    return undefined;
  }
}

/** The main thread's side of one worker: messages in order, failures as rejections. */
class DigestWorker {
  private readonly worker: Worker;
  private readonly inbox: FromWorker[] = [];
  private waiting?: { resolve: (m: FromWorker) => void; reject: (e: Error) => void };
  private failure?: Error;

  constructor(url: URL, data: DigestWorkerData) {
    this.worker = new Worker(url, { workerData: data });
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

/** The worker side: cli/digest-worker-entry.ts calls this in each worker thread. */
export function runDigestWorker(data: DigestWorkerData, port: { on(event: "message", listener: (m: ToWorker) => void): void; postMessage(m: FromWorker, transfer?: ArrayBuffer[]): void }): void {
  const evaluator = new FileEvaluator(data.files, data.queue, new TextSink(data.sink));
  let empty = false;
  let sent = false;
  // Outcomes go out in batches while the worker runs, so the main thread receives them as they come.
  const flush = (done: boolean) => {
    if (!done && evaluator.outcomes.length < OUTCOME_BATCH) return;
    const chunks = evaluator.sink.take(done);
    port.postMessage({ type: "outcomes", outcomes: evaluator.outcomes, problems: evaluator.problems, chunks, done }, chunks);
    evaluator.outcomes = [];
    evaluator.problems = [];
    sent ||= done;
  };
  const finishIfDone = () => {
    if (empty && evaluator.options && !sent) flush(true);
  };
  port.on("message", (message) => {
    if (message.type === "rules") {
      evaluator.setRules(message.rules);
      flush(false);
      finishIfDone();
    } else {
      port.postMessage({ type: "digests", digests: evaluator.digestsAgain(message.scans) });
    }
  });
  // A few files per turn of the event loop, so that the rules are received as soon as they come.
  const step = () => {
    if (evaluator.take()) {
      flush(false);
      setImmediate(step);
    } else {
      empty = true;
      finishIfDone();
    }
  };
  step();
}
