// The examples in docs/ are contracts too: a reader copies them.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkFindings } from "../../../schemas/validate.js";
import { parseCatalog } from "./load-catalog.js";
import { RULE_IDS } from "../evaluate/compile-catalog.js";

const doc = (name: string) => readFileSync(new URL(`../../../docs/${name}`, import.meta.url), "utf8");
const block = (text: string, lang: string) => [...text.matchAll(/```(\w+)\n([\s\S]*?)```/g)].find((m) => m[1] === lang)![2]!;

describe("docs", () => {
  it("catalog.md's example is a valid catalog and its rule table lists every rule", () => {
    const text = doc("catalog.md");
    expect(parseCatalog(block(text, "yaml"), "docs/catalog.md").client).toBe("acme-dental");
    const listed = new Set([...text.matchAll(/^\| `([a-z.-]+)`(?: \/ `([a-z.-]+)`)? \|/gm)].flatMap((m) => [m[1], m[2]].filter(Boolean)));
    expect([...listed].sort()).toEqual([...RULE_IDS].sort());
  });

  it("findings.md's example follows caveat.findings/v1", () => {
    expect(checkFindings(JSON.parse(block(doc("findings.md"), "json")))).toEqual([]);
  });

  it("the sample catalog is valid", () => {
    const text = readFileSync(new URL("../../samples/acme-dental.catalog.yaml", import.meta.url), "utf8");
    expect(parseCatalog(text, "acme-dental.catalog.yaml").name).toBe("Acme Dental Practice");
  });
});
