#!/usr/bin/env node
// Generates code from the JSON Schemas in schemas/ (the single source of truth):
//   schemas/<name>.ts            TypeScript types (json-schema-to-typescript)
//   schemas/<name>.validate.js   a precompiled ajv validator (ajv standalone): compiling the schema at
//                                run time costs ~100 ms and ~10 MB on every agent start.
// `npm run gen:schemas` writes them; `--check` (run by the tests) fails when a committed file is stale.
import { readFile, writeFile } from "node:fs/promises";
import { compile } from "json-schema-to-typescript";
import { _, Ajv2020 } from "ajv/dist/2020.js";
import standaloneCode from "ajv/dist/standalone/index.js";
import addFormats from "ajv-formats";
import { formats } from "../schemas/validator-runtime.js";

const SCHEMAS = [
  { name: "inventory.v1", type: "Inventory" },
  { name: "catalog.v1", type: "Catalog" },
  { name: "findings.v1", type: "Findings" },
  { name: "lifecycle.v1", type: "LifecycleProduct" },
  { name: "branding.v1", type: "Branding" },
];
const root = new URL("../schemas/", import.meta.url);

async function generate({ name, type }) {
  const schema = JSON.parse(await readFile(new URL(`${name}.json`, root), "utf8"));
  const banner = `/* Generated from schemas/${name}.json by scripts/gen-types.mjs. Do not edit: run \`npm run gen:schemas\`. */`;
  const types = await compile(schema, schema.title, { bannerComment: banner, additionalProperties: false, unreachableDefinitions: true, style: { singleQuote: false } });
  // Formats come from schemas/validator-runtime.js: ajv-formats' full set, with a faster `date`.
  const ajv = new Ajv2020({ allErrors: true, strict: true, code: { source: true, esm: true, lines: false, formats: _`require("./validator-runtime").formats` } });
  addFormats.default(ajv);
  for (const [name, format] of Object.entries(formats)) ajv.addFormat(name, format);
  const validator = `// @ts-nocheck\n${banner}\n${esmRequires(lengthChecksFirst(standaloneCode.default(ajv, ajv.compile(schema))))}`;
  const declaration = `${banner}\nimport type { ErrorObject } from "ajv";\nimport type { ${type} } from "./${name}.js";\ndeclare const validate: ((data: unknown) => data is ${type}) & { errors?: ErrorObject[] | null };\nexport default validate;\n`;
  return { [`${name}.ts`]: types, [`${name}.validate.js`]: validator, [`${name}.validate.d.ts`]: declaration };
}

/**
 * minLength/maxLength count code points (ajv's ucs2length walks every character of every string). A
 * string's code-unit length bounds that count: ucs2length(s) <= s.length, and >= ceil(s.length / 2) since a
 * code point takes at most two units. So `ucs2length(s) > max` can only hold when s.length > max, and
 * `ucs2length(s) < min` only when s.length < 2 * min - 1: test the length first and count only then. Same
 * answers (schemas/validator-runtime.test.ts checks the boundaries with surrogate pairs), and checking an
 * inventory costs about half as much, most of its strings being far inside their bounds.
 */
function lengthChecksFirst(code) {
  const declared = /const (func\d+) = require\("ajv\/dist\/runtime\/ucs2length"\)\.default;/.exec(code);
  if (!declared) return code;
  const fn = declared[1];
  const rewritten = code
    .replace(new RegExp(`\\b${fn}\\((data\\d*)\\) > (\\d+)`, "g"), (_m, data, max) => `(${data}.length > ${max} && ${fn}(${data}) > ${max})`)
    .replace(new RegExp(`\\b${fn}\\((data\\d*)\\) < (\\d+)`, "g"), (_m, data, min) => `(${data}.length < ${2 * Number(min) - 1} && ${fn}(${data}) < ${min})`);
  const calls = rewritten.split(`${fn}(`).length - 1;
  const guarded = [...rewritten.matchAll(new RegExp(`\\(data\\d*\\.length [<>] \\d+ && ${fn}\\(`, "g"))].length;
  if (calls !== guarded) throw new Error(`gen-types: ajv calls ${fn} (ucs2length) in a form lengthChecksFirst does not know; update it`);
  return rewritten;
}

/**
 * ajv's "esm" standalone output still calls require() for its runtime helpers: turn those into imports.
 * They are CommonJS; Node hands module.exports as the namespace's default, vitest and esbuild may
 * unwrap `exports.default`, so __cjs picks the module.exports object in every loader.
 */
function esmRequires(code) {
  const modules = [...new Set([...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]))];
  const cjs = `const __cjs = (ns) => (ns.default && typeof ns.default === "object" ? ns.default : ns);`;
  const imports = [...modules.map((m, i) => `import * as __ns${i} from "${m}.js";`), cjs, ...modules.map((_, i) => `const __runtime${i} = __cjs(__ns${i});`)].join("\n");
  return `${imports}\n${modules.reduce((text, m, i) => text.replaceAll(`require("${m}")`, `__runtime${i}`), code)}`;
}

const check = process.argv.includes("--check");
let stale = 0;
for (const schema of SCHEMAS) {
  for (const [file, text] of Object.entries(await generate(schema))) {
    const target = new URL(file, root);
    if (check) {
      const current = await readFile(target, "utf8").catch(() => "");
      if (current !== text) {
        console.error(`schemas/${file} is stale: run npm run gen:schemas`);
        stale++;
      }
    } else {
      await writeFile(target, text);
      console.error(`wrote schemas/${file}`);
    }
  }
}
process.exitCode = stale ? 1 : 0;
