import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { DIGEST_WORKER, runDigestWorker, type DigestWorkerData } from "../collector/src/evaluate/digest-files.js";
import { addCollectorCommands } from "./collector-program.js";
import { run } from "./main.js";

// The bundled CLI is also the evaluation worker: `caveat evaluate` starts this same file in worker
// threads to parse and check inventories on every core.
if (!isMainThread && (workerData as DigestWorkerData | undefined)?.kind === DIGEST_WORKER) {
  runDigestWorker(workerData as DigestWorkerData, parentPort!);
} else {
  await run("caveat", addCollectorCommands);
}
