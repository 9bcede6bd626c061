// Runs a CLI entry in this process and reports its peak RSS on fd 3 at exit, so the benchmark
// measures exactly what a scheduler would run (Node start-up included).
import { writeSync } from "node:fs";

const [entry, ...args] = process.argv.slice(2);
process.on("exit", () => {
  writeSync(3, JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
});
process.argv = [process.argv[0], entry, ...args];
await import(new URL(entry, `file://${process.cwd()}/`).href);
