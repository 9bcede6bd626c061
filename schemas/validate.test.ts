import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { minimalInventory } from "./test-support.js";
import { ContractError, parseInventory } from "./validate.js";

const valid = minimalInventory();

describe("inventory contract validation", () => {
  it("accepts a minimal valid document", () => {
    expect(parseInventory(JSON.stringify(valid), "inv.json").endpoint.hostname).toBe("PC1");
  });

  it("names the file, line and field of each violation and what was expected", () => {
    const doc = structuredClone(valid) as Record<string, unknown>;
    (doc.software as unknown[]) = [{ name: "Office", source: "msi", scope: "everyone" }];
    (doc.os as Record<string, unknown>).colour = "blue";
    const text = JSON.stringify(doc, null, 2);
    let error: ContractError | undefined;
    try {
      parseInventory(text, "inv.json");
    } catch (e) {
      error = e as ContractError;
    }
    expect(error).toBeInstanceOf(ContractError);
    const scope = error!.violations.find((v) => v.pointer === "/software/0/scope");
    expect(scope?.message).toBe('must be one of "machine", "user"');
    expect(text.split("\n")[scope!.line! - 1]).toContain('"scope": "everyone"');
    const extra = error!.violations.find((v) => v.pointer === "/os/colour");
    expect(extra?.message).toBe("is not a known field here");
    expect(text.split("\n")[extra!.line! - 1]).toContain('"colour"');
    expect(error!.message).toMatch(/^inv\.json does not follow caveat\.inventory\/v1 \(2 problems\):/);
    expect(error!.message).toContain(`inv.json:${scope!.line}: /software/0/scope must be one of`);
  });

  it("reports a missing required field at its parent's line", () => {
    const doc = structuredClone(valid) as unknown as Record<string, Record<string, unknown>>;
    delete doc.endpoint!.hostname;
    const text = JSON.stringify(doc, null, 2);
    expect(() => parseInventory(text, "x.json")).toThrow(/x\.json:\d+: \/endpoint must have field "hostname"/);
  });

  it("gives a line number for JSON syntax errors", () => {
    expect(() => parseInventory('{\n  "schema": "caveat.inventory/v1",\n  oops\n}', "bad.json")).toThrow(/bad\.json:3: \(document\) not valid JSON/);
  });

  it("keeps the generated TypeScript types in step with the schema", () => {
    expect(() => execFileSync(process.execPath, ["scripts/gen-types.mjs", "--check"], { stdio: "pipe" })).not.toThrow();
  });
});

describe("docs/inventory.md", () => {
  it("shows an example that follows the contract", async () => {
    const { readFile } = await import("node:fs/promises");
    const doc = await readFile(new URL("../docs/inventory.md", import.meta.url), "utf8");
    const example = /```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    expect(parseInventory(example!, "docs/inventory.md").os.edition).toBe("Professional");
  });
});
