// A throwaway PostgreSQL for tests. With DATABASE_URL set: a fresh database with a random name on that
// server, dropped on stop. Otherwise: a private cluster from the installed server binaries (initdb and
// pg_ctl), on a free loopback port with its own socket directory, removed on stop. Each call gets its own,
// so test files running in parallel forks never share or collide, nor touch a cluster on port 5432.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import pg from "pg";
import { isExecutable } from "../reports/src/find-browser.js";
import { runProcess, type CliResult } from "./cli.js";

export interface TestPostgres {
  /** postgres://... for the database the test may use as it likes. */
  url: string;
  /** Stops the cluster (or drops the database) and removes its files; safe to call twice. */
  stop(): Promise<void>;
}

/** A database a test can use and throw away: its URL (or SQLite file path) and how to stop it. */
export type TestDatabase = { url: string; stop: () => Promise<void> };

/** The two databases caveat runs on, for describe.each: a fresh SQLite file, and a throwaway PostgreSQL. */
export function bothDatabases(prefix: string): [string, () => Promise<TestDatabase>][] {
  return [
    ["sqlite", async () => ({ url: join(await mkdtemp(join(tmpdir(), `caveat-${prefix}-`)), "caveat.db"), stop: async () => undefined })],
    ["postgres", startPostgres],
  ];
}

/** `durable`: keep fsync on (benchmarks); tests turn it off for speed. */
export async function startPostgres(options: { durable?: boolean } = {}): Promise<TestPostgres> {
  const shared = process.env.DATABASE_URL;
  return shared ? createTestDatabase(shared) : startCluster(options.durable ?? false);
}

// ---- DATABASE_URL: a database of our own on someone else's server ------------------------------------

async function createTestDatabase(serverUrl: string): Promise<TestPostgres> {
  const name = `caveat_test_${randomBytes(6).toString("hex")}`;
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let stopped: Promise<void> | undefined;
  return {
    url: url.toString(),
    stop: () =>
      (stopped ??= withClient(serverUrl, async (client) => {
        // A pool the test forgot to close would keep the database in use.
        await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [name]);
        await client.query(`DROP DATABASE IF EXISTS "${name}"`);
      })),
  };
}

async function withClient(url: string, fn: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}

// ---- a private cluster -------------------------------------------------------------------------------

const INSTALL_HINT = "install them with `apt-get install -y postgresql` (Debian/Ubuntu; .ci/run does this), or set DATABASE_URL to a server where the tests may create databases";

/** The directory holding initdb and pg_ctl: PATH, then /usr/local/bin, then Debian's /usr/lib/postgresql/<highest version>/bin. */
export function findPostgresBinaries(): string | undefined {
  const versioned = (() => {
    try {
      return readdirSync("/usr/lib/postgresql")
        .filter((v) => /^\d+(\.\d+)?$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => `/usr/lib/postgresql/${v}/bin`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
  })();
  const candidates = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), "/usr/local/bin", ...versioned];
  return candidates.find((dir) => isExecutable(join(dir, "initdb")) && isExecutable(join(dir, "pg_ctl")));
}


interface Cluster {
  bin: string;
  base: string;
  data: string;
  asPostgres: boolean;
  watchdog?: ChildProcess;
}

async function startCluster(durable: boolean): Promise<TestPostgres> {
  const bin = findPostgresBinaries();
  if (!bin) throw new Error(`PostgreSQL server binaries (initdb, pg_ctl) were not found in PATH, /usr/local/bin or /usr/lib/postgresql/*/bin: ${INSTALL_HINT}`);
  // PostgreSQL refuses to run as root; as root we run it as the postgres user the apt package creates.
  const asPostgres = process.getuid?.() === 0;
  if (asPostgres) {
    const user = await runCommand(["id", "-u", "postgres"], tmpdir());
    if (user.code !== 0) throw new Error(`running as root, PostgreSQL must run as another user, and there is no postgres user: ${INSTALL_HINT}`);
  }
  const base = await mkdtemp(join(tmpdir(), "caveat-pg-"));
  const cluster: Cluster = { bin, base, data: join(base, "data"), asPostgres };
  const run = join(base, "run"); // socket and server log
  const log = join(run, "postgres.log");
  try {
    if (asPostgres) {
      await chmod(base, 0o711); // postgres may pass through to its own directories
      await mustSucceed(["install", "-d", "-o", "postgres", "-m", "700", cluster.data, run], base, "preparing the cluster directories");
    } else {
      await mkdir(cluster.data, { mode: 0o700 });
      await mkdir(run, { mode: 0o700 });
    }
    await mustSucceed(asUser(cluster, "initdb", ["-D", cluster.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"]), run, "initdb");
    // The port is free when the OS hands it out, but another process may take it before postgres binds: retry.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const options = `-p ${port} -k '${run}' -c listen_addresses=127.0.0.1${durable ? "" : " -c fsync=off"}`;
      const started = await runCommand(asUser(cluster, "pg_ctl", ["-D", cluster.data, "-o", options, "-l", log, "-w", "-t", "60", "start"]), run);
      if (started.code === 0) {
        cluster.watchdog = startWatchdog(cluster);
        const stop = stopOnce(cluster);
        return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
      }
      const tail = await logTail(log);
      if (attempt < 3 && /could not bind|already in use/i.test(tail)) continue;
      throw new Error(`PostgreSQL did not start on 127.0.0.1:${port} (pg_ctl exit ${started.code}): ${(started.stderr || started.stdout).trim()}\n--- last lines of the server log ---\n${tail}`);
    }
  } catch (error) {
    await stopCluster(cluster).catch((stopError: unknown) => process.stderr.write(`test/postgres: cleanup after a failed start: ${String(stopError)}\n`));
    throw error;
  }
}

function stopOnce(cluster: Cluster): () => Promise<void> {
  let stopped: Promise<void> | undefined;
  return () => (stopped ??= stopCluster(cluster));
}

async function stopCluster(cluster: Cluster): Promise<void> {
  cluster.watchdog?.kill();
  try {
    const postmasterPid = join(cluster.data, "postmaster.pid");
    if (await readFile(postmasterPid).then(() => true, () => false)) {
      const stopped = await runCommand(asUser(cluster, "pg_ctl", ["-D", cluster.data, "-m", "fast", "-w", "-t", "30", "stop"]), cluster.base);
      if (stopped.code !== 0) throw new Error(`pg_ctl stop failed (exit ${stopped.code}): ${(stopped.stderr || stopped.stdout).trim()}`);
    }
  } finally {
    await rm(cluster.base, { recursive: true, force: true });
  }
}

// A test process killed by a signal (vitest ends its workers so, or a developer's Ctrl-C) runs no cleanup of
// its own. A detached shell outlives it, waits for it to end, then stops the cluster and removes its files.
const WATCHDOG = 'owner=$1; base=$2; shift 2; while kill -0 "$owner" 2>/dev/null; do sleep 1; done; "$@" >/dev/null 2>&1; rm -rf "$base"';

function startWatchdog(cluster: Cluster): ChildProcess {
  const stop = asUser(cluster, "pg_ctl", ["-D", cluster.data, "-m", "immediate", "-w", "stop"]);
  const watchdog = spawn("sh", ["-c", WATCHDOG, "caveat-pg-watchdog", String(process.pid), cluster.base, ...stop], { cwd: cluster.base, env: childEnv, detached: true, stdio: "ignore" });
  watchdog.unref();
  return watchdog;
}

function asUser(cluster: Cluster, program: "initdb" | "pg_ctl", args: string[]): string[] {
  const argv = [join(cluster.bin, program), ...args];
  return cluster.asPostgres ? ["runuser", "-u", "postgres", "--", ...argv] : argv;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port from the OS"))));
    });
  });
}

async function logTail(log: string, lines = 30): Promise<string> {
  try {
    return (await readFile(log, "utf8")).trimEnd().split("\n").slice(-lines).join("\n");
  } catch (error) {
    return `(no log: ${(error as Error).message})`;
  }
}

// PG* variables of the developer's shell (PGDATA, PGPORT, PGOPTIONS...) must not steer a test cluster.
const childEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("PG")));

function runCommand(argv: string[], cwd: string): Promise<CliResult> {
  return runProcess(argv, { cwd, env: childEnv, stdin: "ignore" });
}

async function mustSucceed(argv: string[], cwd: string, what: string): Promise<void> {
  const result = await runCommand(argv, cwd);
  if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code}): ${argv.join(" ")}\n${(result.stderr || result.stdout).trim()}`);
}
