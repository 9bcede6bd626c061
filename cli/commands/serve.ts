import { buildServer } from "../../collector/src/http/server.js";
import { loadDataset } from "../../collector/src/lifecycle/dataset.js";
import { createEvaluator } from "../../collector/src/service/evaluation.js";
import { CliError } from "../errors.js";
import { log } from "../io.js";
import { parsePositiveInt } from "../options.js";
import { openDatabase } from "./database.js";

export interface ServeOptions {
  database?: string;
  port?: string;
  host?: string;
  bodyLimit?: string;
  maxIngests?: string;
  trustProxy?: boolean;
  lifecycleDir?: string;
  logLevel?: string;
}

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** Runs the collector until SIGTERM/SIGINT; closes connections and the database cleanly. */
export async function serveCommand(options: ServeOptions): Promise<void> {
  const port = options.port === undefined ? 8080 : parsePort(options.port);
  const host = options.host ?? "127.0.0.1";
  const bodyLimit = options.bodyLimit === undefined ? undefined : parsePositiveInt(options.bodyLimit, "--body-limit");
  const maxConcurrentIngests = options.maxIngests === undefined ? undefined : parsePositiveInt(options.maxIngests, "--max-ingests");
  const level = options.logLevel ?? "warn";
  if (!LEVELS.includes(level)) throw new CliError(`--log-level ${JSON.stringify(level)}: expected one of ${LEVELS.join(", ")}`);
  const { store, label } = await openDatabase(options.database);
  const dataset = await loadDataset(options.lifecycleDir);
  const app = buildServer({ store, evaluator: createEvaluator(store, dataset.index), bodyLimit, maxConcurrentIngests, trustProxy: options.trustProxy ?? false, logger: level !== "silent" });
  app.log.level = level;
  try {
    await app.listen({ port, host });
  } catch (error) {
    await store.close();
    throw new CliError(`cannot listen on ${host}:${port}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const address = app.server.address();
  const actualPort = typeof address === "object" && address ? address.port : port;
  log(`caveat collector listening on http://${host.includes(":") ? `[${host}]` : host}:${actualPort} (database: ${label})`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log(`${signal}: closing`);
      void app
        .close()
        .then(() => store.close())
        .finally(resolve);
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new CliError(`--port ${JSON.stringify(value)}: expected a port number (0 for any free port)`);
  return n;
}
