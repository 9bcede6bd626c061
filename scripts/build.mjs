#!/usr/bin/env node
// Bundles the CLI with esbuild.
//   default:  dist/caveat.mjs, npm dependencies left external (resolved from node_modules at run time),
//             and dist/caveat-digest-worker.mjs, the worker threads of `caveat evaluate`
//   --agent:  dist/caveat-agent.mjs, one self-contained file with every dependency the agent needs,
//             runnable with plain `node caveat-agent.mjs scan` on an endpoint without npm install.
import { build } from "esbuild";
import { statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { readFileSync, rmSync, writeFileSync } from "node:fs";

const agent = process.argv.includes("--agent");
// ESM output of CommonJS dependencies (systeminformation, ajv) needs a real `require` for Node built-ins.
const banner = { js: "import { createRequire as __caveatRequire } from 'node:module'; const require = __caveatRequire(import.meta.url);" };
const common = { bundle: true, platform: "node", mainFields: ["module", "main"], target: "node20", format: "esm", banner, logLevel: "warning", legalComments: "none" };

if (agent) {
  const outfile = "dist/caveat-agent.mjs";
  const { metafile } = await build({ ...common, entryPoints: ["cli/agent-entry.ts"], outfile, minify: true, metafile: true });
  // What the bundle still imports at run time; the tests check it is only Node built-ins.
  const external = [...new Set(Object.values(metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path)))].sort();
  writeFileSync("dist/caveat-agent.imports.json", `${JSON.stringify({ external, inputs: Object.keys(metafile.inputs).length }, null, 2)}\n`);
  const size = statSync(outfile).size;
  const gz = gzipSync(readFileSync(outfile)).length;
  console.error(`built ${outfile}: ${(size / 1024).toFixed(0)} KiB (${(gz / 1024).toFixed(0)} KiB gzipped)`);
} else {
  // caveat evaluate's worker threads run a bundle of their own (cli/digest-worker-entry.ts), beside the CLI.
  // Code splitting: what the CLI imports dynamically (the server and its databases: fastify, pg,
  // better-sqlite3, ~0.2 s to load) goes to dist/chunks/ and is loaded only by the commands that need it.
  rmSync("dist/chunks", { recursive: true, force: true });
  await build({
    ...common,
    entryPoints: { caveat: "cli/entry.ts", "caveat-digest-worker": "cli/digest-worker-entry.ts" },
    outdir: "dist",
    outExtension: { ".js": ".mjs" },
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    packages: "external",
    sourcemap: "linked",
  });
}
