// `caveat evaluate` on many files runs in worker threads: same findings as one thread, history
// across workers, every bad file named.
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Findings, Inventory } from "../schemas/validate.js";
import { ROOT, runCli } from "./cli.js";

const SAMPLE = join(ROOT, "collector/samples/acme-dental.catalog.yaml");
const FILES = 600;
const TRACKED = "99999999-0000-4000-8000-000000000001";
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caveat-workers-"));
  const replay = await runCli(["scan", "--replay", join(ROOT, "agent/test/fixtures/windows/win10-22h2-pro")]);
  expect(replay.code, replay.stderr).toBe(0);
  const base = JSON.parse(replay.stdout) as Inventory;
  await Promise.all(
    Array.from({ length: FILES }, (_, i) => {
      const inv = structuredClone(base);
      inv.scanId = randomUUID();
      inv.endpoint.id = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
      inv.endpoint.hostname = `PC-${i}`;
      // One endpoint scanned three times, its files far apart so that different workers read them.
      const tracked = [0, 300, 599].indexOf(i);
      if (tracked >= 0) {
        inv.endpoint.id = TRACKED;
        inv.endpoint.hostname = "TRACKED-PC";
        inv.collectedAt = `2026-11-${String(10 + tracked * 5).padStart(2, "0")}T08:00:00Z`;
        if (tracked === 2) {
          inv.software.push({ name: "AnyDesk", version: "8.0", source: "registry", scope: "machine" });
          inv.endpoint.serial = "REPLACED-BOARD";
        }
      }
      return writeFile(join(dir, `inv-${String(i).padStart(4, "0")}.json`), JSON.stringify(inv));
    }),
  );
  // The same scan in two files far apart (a copied file): it counts once, wherever each copy is read.
  await writeFile(join(dir, "zz-copy-of-inv-0007.json"), await readFile(join(dir, "inv-0007.json")));
}, 60_000);

async function evaluate(workers: string) {
  const result = await runCli(["evaluate", "-c", SAMPLE, "--as-of", "2026-11-23", "--fail-on", "none", "--workers", workers, dir]);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr.includes("(main thread and 2 worker threads)"), result.stderr).toBe(workers === "2");
  const findings = JSON.parse(result.stdout) as Findings;
  return { ...findings, generatedAt: "" };
}

describe("caveat evaluate with worker threads", () => {
  it("gives exactly the findings of a single-threaded run, including history across workers", async () => {
    const [threaded, single] = await Promise.all([evaluate("2"), evaluate("0")]);
    expect(threaded).toEqual(single);
    expect(threaded.summary).toMatchObject({ endpoints: FILES - 2, scans: FILES });
    expect(threaded.endpoints.find((e) => e.hostname === "PC-7")).toMatchObject({ scans: 1 });
    expect(threaded.findings.filter((f) => f.endpoint.hostname === "PC-7" && f.rule === "endpoint.new")).toHaveLength(1);
    const tracked = threaded.findings.filter((f) => f.endpoint.id === TRACKED).map((f) => `${f.rule} ${f.subject}`);
    expect(tracked).toEqual(expect.arrayContaining(["software.new AnyDesk", "software.denied AnyDesk"]));
    expect(tracked.find((t) => t.startsWith("hardware.changed"))).toMatch(/-> REPLACED-BOARD/);
    const endpoint = threaded.endpoints.find((e) => e.id === TRACKED)!;
    expect(endpoint).toMatchObject({ scans: 3, firstSeen: "2026-11-10T08:00:00Z", lastSeen: "2026-11-20T08:00:00Z" });
  }, 60_000);

  it("names every invalid file and writes nothing", async () => {
    const bad = await mkdtemp(join(tmpdir(), "caveat-workers-bad-"));
    const names = (await readdir(dir)).slice(0, 520);
    await Promise.all(names.map(async (n) => writeFile(join(bad, n), await readFile(join(dir, n)))));
    await writeFile(join(bad, "inv-0450.json"), '{"schema":"caveat.inventory/v1"}');
    await writeFile(join(bad, "inv-0050.json"), "{ not json");
    const result = await runCli(["evaluate", "-c", SAMPLE, "--workers", "2", "--out", join(bad, "out", "f.json"), bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${join(bad, "inv-0050.json")}:1: (document) not valid JSON`);
    expect(result.stderr).toContain(`${join(bad, "inv-0450.json")}:1: (document) must have field "scanId"`);
    expect((await readdir(bad)).includes("out")).toBe(false);
  }, 60_000);
});
