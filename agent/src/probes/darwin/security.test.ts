import { describe, expect, it } from "vitest";
import type { CommandOutput, Host } from "../../host/host.js";
import { CommandNotFound } from "../../host/host.js";
import { darwinSecurityProbe, parseFdesetupStatus, parseFirewallGlobalState } from "./security.js";

describe("parseFirewallGlobalState", () => {
  it("reads the State number, block-all (2) included", () => {
    expect(parseFirewallGlobalState("Firewall is enabled. (State = 1)\n")).toBe(true);
    expect(parseFirewallGlobalState("Firewall is enabled. (State = 2)\n")).toBe(true);
    expect(parseFirewallGlobalState("Firewall is disabled. (State = 0)\n")).toBe(false);
  });

  it("falls back to the words, and gives up on anything else", () => {
    expect(parseFirewallGlobalState("Firewall is enabled.\n")).toBe(true);
    expect(parseFirewallGlobalState("Firewall is disabled.\n")).toBe(false);
    expect(parseFirewallGlobalState("Must be root to change settings.\n")).toBeUndefined();
  });
});

describe("parseFdesetupStatus", () => {
  it("counts only a finished encryption as encrypted", () => {
    expect(parseFdesetupStatus("FileVault is On.\n")).toBe(true);
    expect(parseFdesetupStatus("FileVault is On.\nDeferred enablement appears to be active for user 'jdoe'.\n")).toBe(true);
    expect(parseFdesetupStatus("FileVault is Off.\n")).toBe(false);
    expect(parseFdesetupStatus("FileVault is Off, but will be enabled after the next restart.\n")).toBe(false);
    expect(parseFdesetupStatus("FileVault is On.\nEncryption in progress: Percent completed = 41.2\n")).toBe(false);
    expect(parseFdesetupStatus("FileVault is On.\nDecryption in progress: Percent completed = 12.0\n")).toBe(false);
    expect(parseFdesetupStatus("Error: unable to read status\n")).toBeUndefined();
  });
});

describe("darwinSecurityProbe", () => {
  const host = (answers: Record<string, CommandOutput | "not-found">) =>
    ({
      async run(key: string, command: string) {
        const answer = answers[key];
        if (answer === "not-found") throw new CommandNotFound(command);
        if (!answer) throw new Error(`unexpected ${key}`);
        return answer;
      },
    }) as unknown as Host;

  it("reports firewall and FileVault, and only those", async () => {
    const result = await darwinSecurityProbe.run({
      host: host({ "socketfilterfw-globalstate": { stdout: "Firewall is enabled. (State = 1)\n", stderr: "", exitCode: 0 }, "fdesetup-status": { stdout: "FileVault is On.\n", stderr: "", exitCode: 0 } }),
      signal: new AbortController().signal,
    });
    expect(result.security).toEqual({ firewall: { enabled: true, product: "macOS Application Firewall" }, diskEncryption: [{ volume: "/", encrypted: true, method: "FileVault" }] });
    expect(result.notes).toEqual([]);
  });

  it("leaves a part out with a note when its answer is missing or not understood", async () => {
    const result = await darwinSecurityProbe.run({
      host: host({ "socketfilterfw-globalstate": "not-found", "fdesetup-status": { stdout: "", stderr: "fdesetup: permission denied\n", exitCode: 13 } }),
      signal: new AbortController().signal,
    });
    expect(result.security).toEqual({});
    expect(result.notes).toEqual(["/usr/libexec/ApplicationFirewall/socketfilterfw is not installed", "fdesetup status was not understood (exit 13): fdesetup: permission denied"]);
  });
});
