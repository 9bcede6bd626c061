// Entry of dist/caveat-digest-worker.mjs, the worker threads of `caveat evaluate` (see
// collector/src/evaluate/digest-files.ts). A bundle of its own: it loads only what parsing, checking and
// digesting need, not the whole CLI (commander, fastify, pg, SQLite...), which cost each worker ~0.25 s.
import { parentPort, workerData } from "node:worker_threads";
import { DIGEST_WORKER, runDigestWorker, type DigestWorkerData } from "../collector/src/evaluate/digest-files.js";

if (parentPort && (workerData as DigestWorkerData | undefined)?.kind === DIGEST_WORKER) runDigestWorker(workerData as DigestWorkerData, parentPort);
else throw new Error("caveat-digest-worker.mjs runs only as a worker thread of `caveat evaluate`");
