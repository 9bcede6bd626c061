import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseRpmQuery } from "./software-rpm.js";

const fixture = (path: string) => readFileSync(new URL(`../../../test/fixtures/linux/${path}`, import.meta.url), "utf8");

describe("parseRpmQuery", () => {
  const rows = parseRpmQuery(fixture("rhel-8.10-server/cmd/rpm-qa.out"));

  it("writes the version as rpm does: epoch:version-release, epoch 0 and (none) left out", () => {
    expect(rows).toContainEqual({ name: "openssl", version: "1:1.1.1k-12.el8_9", publisher: "Red Hat, Inc.", arch: "x86_64", installedOn: "2024-05-20", source: "rpm", scope: "machine" });
    expect(rows.find((r) => r.name === "bash")?.version).toBe("4.4.20-5.el8");
    expect(rows.find((r) => r.name === "erp-agent")).toEqual({ name: "erp-agent", version: "2.4.1-1", publisher: undefined, arch: "x86_64", installedOn: "2024-05-20", source: "rpm", scope: "machine" });
  });

  it("skips the gpg-pubkey pseudo-packages and keeps every installed kernel", () => {
    expect(rows.some((r) => r.name === "gpg-pubkey")).toBe(false);
    expect(rows.filter((r) => r.name === "kernel").map((r) => r.version)).toEqual(["4.18.0-553.5.1.el8_10", "4.18.0-553.el8_10"]);
    expect(rows).toHaveLength(20);
  });

  it("leaves the date out when INSTALLTIME is missing or zero, and ignores short lines", () => {
    expect(parseRpmQuery("foo\t(none)\t1.0\t1\t(none)\tnoarch\t0\nbar\n")).toEqual([{ name: "foo", version: "1.0-1", publisher: undefined, arch: "noarch", installedOn: undefined, source: "rpm", scope: "machine" }]);
  });
});
