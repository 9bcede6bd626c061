import { describe, expect, it } from "vitest";
import { checkInventory } from "../../schemas/validate.js";
import { assembleInventory } from "./assemble.js";
import type { Contribution, Probe } from "./probe.js";
import type { ProbeOutcome } from "./run-probes.js";

const outcome = (id: string, contribution: Contribution | undefined, status: "ok" | "error" = "ok"): ProbeOutcome => ({
  probe: { id, platform: "linux" } as Probe,
  contribution,
  result: { id, status, durationMs: 1 },
});
const options = { platform: "linux" as const, arch: "x64", agentVersion: "0.1.0", collectedAt: new Date("2026-11-23T10:00:00Z"), scanId: "0f8fad5b-d9cb-469f-a165-70867728950e" };

describe("assembleInventory", () => {
  it("lets the first probe that knows a scalar win and concatenates lists", () => {
    const inventory = assembleInventory(
      [
        outcome("linux.os", { os: { name: "Debian GNU/Linux 12 (bookworm)", version: "12" }, endpoint: { hostname: "pc1" } }),
        outcome("linux.other", { os: { name: "ignored", distro: "debian" }, endpoint: { hostname: "ignored", machineId: "3d1219c7c4c5404aaa1f6d2a48adfda4" } }),
        outcome("linux.a", { software: [{ name: "zsh", version: "5.9", source: "dpkg", scope: "machine" }] }),
        outcome("linux.b", { software: [{ name: "Apache2", version: "2.4", source: "dpkg", scope: "machine" }, { name: "zsh", version: "5.9", source: "dpkg", scope: "machine" }] }),
      ],
      options,
    );
    expect(inventory.os).toMatchObject({ platform: "linux", name: "Debian GNU/Linux 12 (bookworm)", version: "12", distro: "debian", arch: "x64" });
    expect(inventory.endpoint).toMatchObject({ hostname: "pc1", idSource: "machine-id", type: "other" });
    expect(inventory.software.map((s) => s.name)).toEqual(["Apache2", "zsh"]);
    expect(checkInventory(inventory)).toEqual([]);
  });

  it("keeps a failed probe's status and still produces a valid document", () => {
    const inventory = assembleInventory([outcome("linux.os", undefined, "error")], options);
    expect(inventory.probes).toEqual([{ id: "linux.os", status: "error", durationMs: 1 }]);
    expect(inventory.endpoint.hostname).toBe("unknown");
    expect(inventory.endpoint.idSource).toBe("hostname");
    expect(checkInventory(inventory)).toEqual([]);
  });

  it("drops values that break the contract, reports them, and keeps the rest", () => {
    const inventory = assembleInventory(
      [
        outcome("linux.x", {
          endpoint: { hostname: "pc1" },
          software: [
            { name: "fine", version: "1", source: "dpkg", scope: "machine" },
            { name: "long-version", version: "9".repeat(300), source: "dpkg", scope: "machine" },
            { name: "bad-source", source: "zip" as never, scope: "machine" },
          ],
          nics: [{ name: "eth0", mac: "02-FC-00-00-00-01" }],
        }),
      ],
      options,
    );
    expect(checkInventory(inventory)).toEqual([]);
    expect(inventory.software.map((s) => s.name)).toEqual(["fine", "long-version"]);
    expect(inventory.software[1]!.version).toBeUndefined();
    expect(inventory.hardware.nics).toEqual([{ name: "eth0" }]);
    const contract = inventory.probes.find((p) => p.id === "agent.contract");
    expect(contract?.status).toBe("error");
    // Rows are sorted by name before the check: bad-source is row 0, long-version row 2.
    expect(contract?.message).toContain("/software/2/version must NOT have more than 256 characters");
    expect(contract?.message).toContain('/software/0/source must be one of');
  });

  it("drops blank strings instead of emitting empty fields", () => {
    const inventory = assembleInventory([outcome("linux.x", { endpoint: { hostname: "pc1", serial: "  ", model: "" }, software: [{ name: "a", version: "", publisher: " ", source: "dpkg", scope: "machine" }] })], options);
    expect(inventory.endpoint.serial).toBeUndefined();
    expect(inventory.endpoint.model).toBeUndefined();
    expect(inventory.software[0]).toEqual({ name: "a", source: "dpkg", scope: "machine" });
  });
});
