// Small helpers shared by the benchmarks: timing child processes, peak RSS, medians, printing.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs a node entry under measure-child.mjs: wall time from spawn to exit, and the child's own peak RSS. */
export function timeNode(entry, args, options = {}, nodeFlags = []) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...nodeFlags, new URL("./measure-child.mjs", import.meta.url).pathname, entry, ...args], {
      stdio: ["ignore", "ignore", "pipe", "pipe"],
      ...options,
    });
    let stderr = "";
    let report = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdio[3].on("data", (d) => (report += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0) return reject(new Error(`${entry} ${args.join(" ")} exited ${code}: ${stderr}`));
      resolve({ wallMs, maxRssBytes: JSON.parse(report).maxRssBytes, stderr });
    });
  });
}

/** Runs any program, polling /proc/<pid>/status VmHWM (its peak RSS) until it exits. */
export function timeProgram(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"], ...options });
    let stderr = "";
    const rss = watchPeakRss(child.pid, 10);
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", (error) => {
      rss.stop();
      reject(error);
    });
    child.on("close", (code) => {
      const peak = rss.stop();
      if (code !== 0) return reject(new Error(`${command} exited ${code}: ${stderr.slice(0, 500)}`));
      resolve({ wallMs: performance.now() - started, maxRssBytes: peak });
    });
  });
}

/** Polls /proc/<pid>/status VmHWM (peak RSS) of a running process; stop() returns the highest reading. */
export function watchPeakRss(pid, everyMs = 20) {
  let peak = 0;
  const read = () => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (hwm) peak = Math.max(peak, Number(hwm[1]) * 1024);
    } catch {
      // The process has just exited: the last reading stands.
    }
  };
  const timer = setInterval(read, everyMs);
  return {
    peak: () => peak,
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

export const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
export const s = (ms) => `${(ms / 1000).toFixed(3)} s`;
export const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(2)}x` : "n/a");

/** Builds dist/caveat.mjs when it is missing or older than a source file under `sourceDirs` (npm run bench:* builds first anyway). */
export function buildIfStale(sourceDirs = ["cli", "collector/src", "agent/src", "reports/src", "reports/templates", "schemas"]) {
  const newest = (dir) => {
    let t = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === "node_modules" || e.name.startsWith(".")) continue;
      const p = join(dir, e.name);
      t = Math.max(t, e.isDirectory() ? newest(p) : /\.(ts|json|mjs|hbs)$/.test(e.name) ? statSync(p).mtimeMs : 0);
    }
    return t;
  };
  const dist = "dist/caveat.mjs";
  if (existsSync(dist) && statSync(dist).mtimeMs >= Math.max(...sourceDirs.map(newest))) return;
  console.error("building dist/caveat.mjs ...");
  const built = spawnSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

/** A JSON file, or undefined when it is missing or unreadable (a cache to rebuild). */
export function readJsonFile(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** A cached directory's .params.json: what it was made with. */
export const readParams = (dir) => readJsonFile(join(dir, ".params.json"));

/** True when a cached artefact was made with exactly these parameters. */
export const sameParams = (params, wanted) => params !== undefined && Object.entries(wanted).every(([k, v]) => params[k] === v);

export const fmtInt = (x) => Math.round(x).toLocaleString("en-US");
