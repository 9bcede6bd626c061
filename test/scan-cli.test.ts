// End to end: `caveat scan` on this machine, with recordings, broken probes and bad arguments.
import { chmod, copyFile, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkInventory, type Inventory } from "../schemas/validate.js";
import { ROOT, runCli } from "./cli.js";

const tempDir = () => mkdtemp(join(tmpdir(), "caveat-test-"));

describe("caveat scan (this machine)", () => {
  it("writes one inventory of this machine that validates against the schema", async () => {
    const result = await runCli(["scan"]);
    expect(result.code).toBe(0);
    const inventory = JSON.parse(result.stdout) as Inventory;
    expect(checkInventory(inventory)).toEqual([]);
    expect(inventory.os.platform).toBe("linux");
    expect(inventory.software.length).toBeGreaterThan(50);
    expect(inventory.probes.find((p) => p.id === "linux.software-dpkg")?.status).toBe("ok");
    expect(result.stderr).toMatch(/^scan \S+: .*software/m);
  });

  it("records raw outputs and replays them into the same inventory", async () => {
    const dir = await tempDir();
    const recorded = await runCli(["scan", "--record", join(dir, "rec"), "--out", join(dir, "live.json"), "--client", "acme-dental"]);
    expect(recorded.code).toBe(0);
    const manifest = JSON.parse(await readFile(join(dir, "rec", "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ format: "caveat.recording/v1", platform: "linux" });
    expect(await readFile(join(dir, "rec", "cmd", "dpkg-query.out"), "utf8")).toContain("\t");
    const replayed = await runCli(["scan", "--replay", join(dir, "rec"), "--client", "acme-dental"]);
    expect(replayed.code).toBe(0);
    const live = JSON.parse(await readFile(join(dir, "live.json"), "utf8")) as Inventory;
    const again = JSON.parse(replayed.stdout) as Inventory;
    expect(again.agent.replayedFrom).toBe(join(dir, "rec"));
    expect(again.client).toBe("acme-dental");
    expect(again.scanId).not.toBe(live.scanId);
    expect(again.software).toEqual(live.software);
    expect(again.os).toEqual(live.os);
    expect(again.endpoint).toEqual(live.endpoint);
    expect(again.hardware).toEqual(live.hardware);
    expect(again.probes.map((p) => [p.id, p.status])).toEqual(live.probes.map((p) => [p.id, p.status]));
  });

  it("reports a hanging probe as timeout and a crashing one as error, and still exits 0", async () => {
    // Fake programs at the OS boundary: dpkg-query hangs, snap crashes. Everything else is real.
    const bin = await tempDir();
    await writeFile(join(bin, "dpkg-query"), "#!/bin/sh\nexec sleep 30\n");
    await writeFile(join(bin, "snap"), "#!/bin/sh\necho 'error: cannot communicate with server' >&2\nexit 1\n");
    await chmod(join(bin, "dpkg-query"), 0o755);
    await chmod(join(bin, "snap"), 0o755);
    const started = Date.now();
    const result = await runCli(["scan", "--timeout", "1500"], { env: { PATH: `${bin}:${process.env.PATH}` } });
    expect(result.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    const inventory = JSON.parse(result.stdout) as Inventory;
    expect(checkInventory(inventory)).toEqual([]);
    const status = Object.fromEntries(inventory.probes.map((p) => [p.id, p]));
    expect(status["linux.software-dpkg"]).toMatchObject({ status: "timeout", message: "no answer within 1500 ms" });
    expect(status["linux.software-snap"]).toMatchObject({ status: "error", message: "snap list exited 1: error: cannot communicate with server" });
    expect(status["linux.os"]?.status).toBe("ok");
    expect(result.stderr).toContain("warning: linux.software-dpkg (timeout");
  });

  it.each([
    [["scan", "--bogus"], /unknown option '--bogus'/],
    [["scan", "--client", "Acme Dental"], /--client "Acme Dental": expected a client slug/],
    [["scan", "--timeout", "soon"], /--timeout "soon": expected a positive whole number/],
    [["scan", "--replay", "/nonexistent/rec"], /--replay \/nonexistent\/rec: not a directory/],
    [["scan", "--record", "/tmp/a", "--replay", "/tmp/b"], /--record and --replay cannot be used together/],
    [["frobnicate"], /unknown command 'frobnicate'/],
  ])("rejects bad arguments %j with one line and exit code 2", async (args, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")[0]).toMatch(message);
  });

  it("explains a recording whose manifest is wrong", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "manifest.json"), JSON.stringify({ format: "caveat.recording/v1", platform: "beos" }));
    const result = await runCli(["scan", "--replay", dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${join(dir, "manifest.json")}: field "platform" must be windows, linux or darwin, found "beos"`);
  });
});

describe("single-file agent (npm run build:agent)", () => {
  it("imports nothing but Node built-ins at run time (every dependency is inside the file)", async () => {
    const { external } = JSON.parse(await readFile(join(ROOT, "dist", "caveat-agent.imports.json"), "utf8")) as { external: string[] };
    const { builtinModules } = await import("node:module");
    // Optional by design, each required inside try/catch by its package: debug (under node-powershell)
    // asks for supports-color, systeminformation for the macOS temperature sensor add-ons.
    const optional = ["supports-color", "osx-temperature-sensor", "macos-temperature-sensor"];
    expect(external.filter((s) => !s.startsWith("node:") && !builtinModules.includes(s) && !optional.includes(s))).toEqual([]);
    expect(external).toContain("node:child_process");
  });

  it("runs with plain node, away from node_modules, and writes a valid inventory", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "agent"));
    const file = join(dir, "agent", "caveat-agent.mjs");
    await copyFile(join(ROOT, "dist", "caveat-agent.mjs"), file);
    const out = join(dir, "inv.json");
    const result = await runCli(["scan", "--out", out], { entry: file, cwd: join(dir, "agent") });
    expect(result.code).toBe(0);
    expect(checkInventory(JSON.parse(await readFile(out, "utf8")))).toEqual([]);
  });
});

describe("caveat validate", () => {
  it("accepts a valid file and rejects an invalid one with file:line and field", async () => {
    const dir = await tempDir();
    const scanned = await runCli(["scan", "--pretty", "--out", join(dir, "ok.json")]);
    expect(scanned.code).toBe(0);
    const ok = await runCli(["validate", join(dir, "ok.json")]);
    expect(ok.code).toBe(0);
    const broken = (await readFile(join(dir, "ok.json"), "utf8")).replace(/"type": "(desktop|laptop|server|virtual|other)"/, '"type": "toaster"');
    await writeFile(join(dir, "bad.json"), broken);
    const bad = await runCli(["validate", join(dir, "bad.json")]);
    expect(bad.code).toBe(2);
    const line = broken.split("\n").findIndex((l) => l.includes('"toaster"')) + 1;
    expect(bad.stderr).toContain(`${join(dir, "bad.json")}:${line}: /endpoint/type must be one of "desktop", "laptop", "server", "virtual", "other"`);
  });
});
