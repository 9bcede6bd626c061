// End to end: `caveat evaluate` and `caveat lifecycle` as an MSP runs them, on inventories replayed
// from the recorded fixtures and the legacy script's output.
import { copyFile, mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkFindings, type Findings } from "../schemas/validate.js";
import { ROOT, runCli } from "./cli.js";

const SAMPLE = join(ROOT, "collector/samples/acme-dental.catalog.yaml");
let fleet: string;

beforeAll(async () => {
  fleet = await mkdtemp(join(tmpdir(), "caveat-fleet-"));
  for (const fixture of ["linux/ubuntu-22.04-laptop", "linux/rhel-8.10-server", "darwin/macos-10.15-intel-imacpro", "windows/win10-22h2-pro", "windows/win11-24h2-pro"]) {
    const name = fixture.split("/")[1]!;
    const result = await runCli(["scan", "--replay", join(ROOT, "agent/test/fixtures", fixture), "--out", join(fleet, `${name}.json`)]);
    expect(result.code, result.stderr).toBe(0);
  }
  const legacy = JSON.parse(await readFile(join(ROOT, "agent/test/fixtures/legacy/win7-pro-sp1/inventory.json"), "utf8"));
  delete legacy.client;
  legacy.endpoint.hostname = "RECEPTION-01";
  await writeFile(join(fleet, "win7-reception.json"), JSON.stringify(legacy));
}, 60_000);

describe("caveat evaluate", () => {
  it("evaluates a mixed fleet against the sample catalog: valid findings, exit 1 on high findings", async () => {
    const result = await runCli(["evaluate", "--catalog", SAMPLE, "--as-of", "2026-11-23", fleet]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^evaluated 6 scans of 6 endpoints for acme-dental as of 2026-11-23 in [\d.]+ s: \d+ findings \(1 waived\)$/m);
    expect(result.stderr).toMatch(/caveat: \d+ unwaived findings? at or above high/);
    const findings = JSON.parse(result.stdout) as Findings;
    expect(checkFindings(findings)).toEqual([]);
    expect(findings).toMatchObject({ schema: "caveat.findings/v1", client: "acme-dental", clientName: "Acme Dental Practice", asOf: "2026-11-23" });
    const byRule = (rule: string) => findings.findings.filter((f) => f.rule === rule).map((f) => `${f.endpoint.hostname}: ${f.subject}`);
    // The reception PC's Windows 7 is end-of-life and waived by the sample catalog's signed waiver.
    const win7 = findings.findings.find((f) => f.rule === "os.end-of-life" && f.endpoint.hostname === "RECEPTION-01")!;
    expect(win7).toMatchObject({ waived: true, waiver: { acceptedBy: "J. Doe, Practice Manager", ref: "ACK-2026-001" }, lifecycle: { product: "windows" } });
    expect(byRule("os.end-of-life")).toContain("imacpro-atelier.local: Mac OS X 10.15.7");
    expect(byRule("software.denied")).toContain("lt-jdupont-7420: teamviewer");
    expect(byRule("hardware.unregistered")).toContain("lt-jdupont-7420: 7XK2GH3");
    expect(byRule("hardware.unregistered")).not.toContain("RECEPTION-01: 8Q4JVR1");
    expect(findings.endpoints).toHaveLength(6);
  });

  it("exits 0 with --fail-on none and critical when nothing reaches it; writes table and CSV", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caveat-eval-"));
    const table = await runCli(["evaluate", "-c", SAMPLE, "--as-of", "2026-11-23", "--fail-on", "none", "--format", "table", fleet]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^SEVERITY\s+RULE\s+ENDPOINT\s+SUBJECT\s+STATUS$/m);
    expect(table.stdout).toMatch(/^critical\s+os\.end-of-life\s+RECEPTION-01\s+Microsoft Windows 7 Professional\s+waived until 2027-01-10$/m);
    const csv = await runCli(["evaluate", "-c", SAMPLE, "--as-of", "2026-11-23", "--fail-on", "none", "--format", "csv", "--out", join(dir, "f.csv"), fleet]);
    expect(csv.code).toBe(0);
    const text = await readFile(join(dir, "f.csv"), "utf8");
    expect(text.split("\r\n")[0]).toBe("id,severity,rule,hostname,endpoint_id,subject,message,eol,source,first_seen,waived,waiver_accepted_by,waiver_expires,waiver_expired");
  });

  it("neutralises spreadsheet formulas and keeps hostile names literal in CSV", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caveat-eval-"));
    const inventory = JSON.parse(await readFile(join(fleet, "win10-22h2-pro.json"), "utf8"));
    inventory.software.push({ name: '=HYPERLINK("http://evil","x")', source: "registry", scope: "machine" });
    await writeFile(join(dir, "inv.json"), JSON.stringify(inventory));
    await writeFile(join(dir, "cat.yaml"), "schema: caveat.catalog/v1\nclient: acme-dental\nsoftware:\n  mode: allowlist\n");
    const result = await runCli(["evaluate", "-c", join(dir, "cat.yaml"), "--format", "csv", "--fail-on", "none", join(dir, "inv.json")]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`"'=HYPERLINK(""http://evil"",""x"")"`);
    expect(result.stdout).not.toMatch(/,=HYPERLINK/);
  });

  it("fails with exit 2 and file:line when the catalog is wrong, writing nothing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caveat-eval-"));
    await writeFile(join(dir, "bad.yaml"), "schema: caveat.catalog/v1\nclient: acme-dental\nwaivers:\n  - { rule: os.ancient, justification: x, acceptedBy: y, accepted: 2026-01-01, expires: 2027-13-01 }\n");
    const result = await runCli(["evaluate", "-c", join(dir, "bad.yaml"), "--out", join(dir, "out.json"), fleet]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${join(dir, "bad.yaml")}:4: /waivers/0/rule must be one of`);
    expect(result.stderr).toContain(`${join(dir, "bad.yaml")}:4: /waivers/0/expires must be a date written YYYY-MM-DD`);
    expect(await readdir(dir)).toEqual(["bad.yaml"]);
  });

  it("fails with exit 2 naming every invalid inventory, and refuses another client's inventories", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caveat-eval-"));
    await mkdir(join(dir, "fleet"));
    await copyFile(join(fleet, "win10-22h2-pro.json"), join(dir, "fleet", "good.json"));
    await writeFile(join(dir, "fleet", "broken.json"), '{\n  "schema": "caveat.inventory/v1",\n  "scanId": 42\n}\n');
    await writeFile(join(dir, "fleet", "notes.txt"), "not an inventory, skipped in directories");
    const bad = await runCli(["evaluate", "-c", SAMPLE, "--out", join(dir, "out.json"), join(dir, "fleet")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${join(dir, "fleet", "broken.json")}:3: /scanId must be string`);
    expect(await readdir(dir)).toEqual(["fleet"]);

    const legacy = join(ROOT, "agent/test/fixtures/legacy/win7-pro-sp1/inventory.json");
    const foreign = await runCli(["evaluate", "-c", SAMPLE, legacy]);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toMatch(/belongs to another client than the catalog's "acme-dental" \(e\.g\. WS-ACCT-07, client "mueller-steuerberatung"/);
  });

  it("rejects bad options in one line", async () => {
    for (const args of [["--as-of", "2026-02-30"], ["--format", "xml"], ["--fail-on", "severe"]]) {
      const result = await runCli(["evaluate", "-c", SAMPLE, ...args, fleet]);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
    }
  });
});

describe("caveat lifecycle", () => {
  it("lists products and cycles with their status on a date", async () => {
    const result = await runCli(["lifecycle", "list", "--product", "ubuntu", "--as-of", "2026-11-23"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ubuntu\s+22\.04\s+Ubuntu 22\.04 LTS.*\s+2027-06-01\s+\S+\s+supported$/m);
    expect(result.stdout).toMatch(/^ubuntu\s+18\.04\s+.*end-of-life$/m);
    const json = JSON.parse((await runCli(["lifecycle", "list", "--format", "json"])).stdout) as { product: string }[];
    expect(json.map((p) => p.product)).toEqual(expect.arrayContaining(["ubuntu", "debian", "macos"]));
  });

  it("imports endoflife.date JSON into the updates directory, and evaluate then uses the new dates", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caveat-eol-"));
    const updates = join(dir, "updates");
    await writeFile(join(dir, "ubuntu.json"), JSON.stringify([{ cycle: "22.04", releaseDate: "2022-04-21", eol: "2026-11-01", support: "2024-09-30", extendedSupport: "2032-04-09" }]));
    const dry = await runCli(["lifecycle", "import", join(dir, "ubuntu.json"), "--lifecycle-dir", updates, "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain("ubuntu 22.04: eol 2027-06-01 -> 2026-11-01");
    expect(await readdir(dir)).toEqual(["ubuntu.json"]);

    const imported = await runCli(["lifecycle", "import", join(dir, "ubuntu.json"), "--lifecycle-dir", updates]);
    expect(imported.code).toBe(0);
    expect(imported.stderr).toContain(`wrote ${join(updates, "ubuntu.json")}: 1 cycles`);
    const laptop = join(fleet, "ubuntu-22.04-laptop.json");
    const before = JSON.parse((await runCli(["evaluate", "-c", SAMPLE, "--as-of", "2026-11-23", "--fail-on", "none", laptop])).stdout) as Findings;
    const after = JSON.parse((await runCli(["evaluate", "-c", SAMPLE, "--as-of", "2026-11-23", "--fail-on", "none", "--lifecycle-dir", updates, laptop])).stdout) as Findings;
    expect(before.findings.some((f) => f.rule === "os.end-of-life")).toBe(false);
    expect(after.findings.find((f) => f.rule === "os.end-of-life")).toMatchObject({ lifecycle: { cycle: "22.04", eol: "2026-11-01", source: "https://endoflife.date/ubuntu" } });
  });

  it("refuses a file for a product it cannot match, exit 2", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caveat-eol-"));
    await writeFile(join(dir, "nodejs.json"), "[]");
    const result = await runCli(["lifecycle", "import", join(dir, "nodejs.json"), "--lifecycle-dir", join(dir, "u")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/"nodejs" is not one caveat matches/);
  });
});
