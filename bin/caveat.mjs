#!/usr/bin/env node
// The CLI is bundled into dist/ by `npm run build` (run automatically by npm install / npm ci).
import { existsSync } from "node:fs";
const entry = new URL("../dist/caveat.mjs", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("caveat: dist/caveat.mjs is missing; run `npm run build` (npm ci does it for you)\n");
  process.exit(70);
}
await import(entry.href);
