#!/usr/bin/env node
// Generates TypeScript types from the JSON Schemas in schemas/ (the single source of truth).
// `npm run gen:types` writes them; `--check` (used by the tests) fails when a committed file is stale.
import { readFile, writeFile } from "node:fs/promises";
import { compile } from "json-schema-to-typescript";

const SCHEMAS = ["inventory.v1"];
const root = new URL("../schemas/", import.meta.url);

export async function generate(name) {
  const schema = JSON.parse(await readFile(new URL(`${name}.json`, root), "utf8"));
  const banner = `/* Generated from schemas/${name}.json by scripts/gen-types.mjs. Do not edit: run \`npm run gen:types\`. */`;
  return compile(schema, schema.title, { bannerComment: banner, additionalProperties: false, unreachableDefinitions: true, style: { singleQuote: false } });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const name of SCHEMAS) {
    const target = new URL(`${name}.ts`, root);
    const text = await generate(name);
    if (check) {
      const current = await readFile(target, "utf8").catch(() => "");
      if (current !== text) { console.error(`schemas/${name}.ts is stale: run npm run gen:types`); stale++; }
    } else {
      await writeFile(target, text);
      console.error(`wrote schemas/${name}.ts`);
    }
  }
  process.exitCode = stale ? 1 : 0;
}
