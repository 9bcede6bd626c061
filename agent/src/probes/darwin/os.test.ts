import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CommandNotFound, type CommandOutput, type Host } from "../../host/host.js";
import { darwinOsProbe, parseKernBoottime, parseSwVers } from "./os.js";

const sample = (name: string) => readFileSync(new URL(`../../../test/fixtures/darwin/samples/${name}`, import.meta.url), "utf8");

/** A Host that answers run() from a table keyed by recording key; anything else is unexpected. */
function stubHost(answers: Record<string, CommandOutput | "not-found">): Host {
  return {
    platform: "darwin",
    arch: "arm64",
    origin: "test",
    async run(key: string, command: string) {
      const answer = answers[key];
      if (answer === undefined) throw new Error(`unexpected command ${key}`);
      if (answer === "not-found") throw new CommandNotFound(command);
      return answer;
    },
  } as unknown as Host;
}
const ok = (stdout: string): CommandOutput => ({ stdout, stderr: "", exitCode: 0 });

describe("parseSwVers", () => {
  it("reads the double-TAB layout of macOS 15 and 26", () => {
    expect(parseSwVers(sample("macos15.7.9-sw_vers-tirekick.txt"))).toEqual({ ProductName: "macOS", ProductVersion: "15.7.9", BuildVersion: "24G830" });
    expect(parseSwVers(sample("macos26.6.2-sw_vers-tirekick.txt"))).toEqual({ ProductName: "macOS", ProductVersion: "26.6.2", BuildVersion: "25G83" });
  });

  it("reads Catalina's single-TAB layout with its two-word product name", () => {
    expect(parseSwVers("ProductName:\tMac OS X\nProductVersion:\t10.15.7\nBuildVersion:\t19H2\n")).toEqual({ ProductName: "Mac OS X", ProductVersion: "10.15.7", BuildVersion: "19H2" });
  });

  it("keeps the Rapid Security Response suffix line apart from the version", () => {
    const fields = parseSwVers("ProductName:\t\tmacOS\nProductVersion:\t\t13.4.1\nProductVersionExtra:\t(c)\nBuildVersion:\t\t22F770820d\n");
    expect(fields.ProductVersion).toBe("13.4.1");
    expect(fields.ProductVersionExtra).toBe("(c)");
  });
});

describe("parseKernBoottime", () => {
  it("takes the sec field, not usec", () => {
    expect(parseKernBoottime("{ sec = 1700000000, usec = 999999 } Tue Nov 14 22:13:20 2023\n")).toBe("2023-11-14T22:13:20.000Z");
  });

  it("returns undefined for text without a sec field", () => {
    expect(parseKernBoottime("sysctl: unknown oid 'kern.boottime'")).toBeUndefined();
  });
});

describe("darwinOsProbe", () => {
  const base = {
    "sw-vers": ok("ProductName:\t\tmacOS\nProductVersion:\t\t14.6.1\nBuildVersion:\t\t23G93\n"),
    "uname-r": ok("23.6.0\n"),
    "sysctl-kern-boottime": ok("{ sec = 1700000000, usec = 0 } Tue Nov 14 22:13:20 2023\n"),
  };

  it("names the OS 'ProductName ProductVersion' and prefers the ComputerName", async () => {
    const result = await darwinOsProbe.run({ host: stubHost({ ...base, "scutil-computername": ok("Salle de réunion\n") }), signal: new AbortController().signal });
    expect(result.os).toEqual({ name: "macOS 14.6.1", version: "14.6.1", build: "23G93", kernel: "23.6.0", lastBoot: "2023-11-14T22:13:20.000Z" });
    expect(result.endpoint?.hostname).toBe("Salle de réunion");
    expect(result.notes).toEqual([]);
  });

  it("falls back to hostname when ComputerName is not set, without a note", async () => {
    const host = stubHost({ ...base, "scutil-computername": { stdout: "", stderr: "ComputerName: not set\n", exitCode: 1 }, hostname: ok("mac-042.local\n") });
    const result = await darwinOsProbe.run({ host, signal: new AbortController().signal });
    expect(result.endpoint?.hostname).toBe("mac-042.local");
    expect(result.notes).toEqual([]);
  });

  it("notes what is missing when neither name source answers", async () => {
    const host = stubHost({ ...base, "uname-r": "not-found", "scutil-computername": "not-found", hostname: "not-found" });
    const result = await darwinOsProbe.run({ host, signal: new AbortController().signal });
    expect(result.endpoint?.hostname).toBeUndefined();
    expect(result.os?.kernel).toBeUndefined();
    expect(result.notes).toEqual(["/usr/bin/uname is not installed", "/usr/sbin/scutil is not installed", "/bin/hostname is not installed"]);
  });

  it("fails when sw_vers gives no version", async () => {
    await expect(darwinOsProbe.run({ host: stubHost({ ...base, "sw-vers": ok("") }), signal: new AbortController().signal })).rejects.toThrow(/no ProductName/);
  });
});
