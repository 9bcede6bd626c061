#!/usr/bin/env node
// Bundles the CLI with esbuild.
//   default:  dist/caveat.mjs, npm dependencies left external (resolved from node_modules at run time)
//   --agent:  dist/caveat-agent.mjs, one self-contained file with every dependency the agent needs,
//             runnable with plain `node caveat-agent.mjs scan` on an endpoint without npm install.
import { build } from "esbuild";
import { statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { readFileSync, writeFileSync } from "node:fs";

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
  await build({ ...common, entryPoints: ["cli/entry.ts"], outfile: "dist/caveat.mjs", packages: "external", sourcemap: "linked" });
}
