import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseDpkgQuery } from "./software-dpkg.js";

const fixture = (path: string) => readFileSync(new URL(`../../../test/fixtures/linux/${path}`, import.meta.url), "utf8");

describe("parseDpkgQuery", () => {
  it("reads name, version, maintainer without address and architecture from the recorded output", () => {
    const rows = parseDpkgQuery(fixture("ubuntu-22.04-laptop/cmd/dpkg-query.out"));
    expect(rows).toContainEqual({ name: "openssl", version: "3.0.2-0ubuntu1.15", publisher: "Ubuntu Developers", arch: "amd64", source: "dpkg", scope: "machine" });
    expect(rows).toContainEqual({ name: "zlib1g", version: "1:1.2.11.dfsg-2ubuntu9.2", publisher: "Ubuntu Core Developers", arch: "amd64", source: "dpkg", scope: "machine" });
    expect(rows).toHaveLength(25);
  });

  it("strips the multiarch qualifier, keeping both architectures of the same package", () => {
    const rows = parseDpkgQuery("libc6:amd64\t2.35-0ubuntu3.8\tUbuntu Developers <u@example.org>\tamd64\tii \nlibc6:i386\t2.35-0ubuntu3.8\tUbuntu Developers <u@example.org>\ti386\tii \n");
    expect(rows.map((r) => [r.name, r.arch])).toEqual([["libc6", "amd64"], ["libc6", "i386"]]);
  });

  it("keeps held and unpacked packages, drops removed (rc), purged (un) and half-installed ones", () => {
    const text = ["a\t1\tM <m@x.org>\tall\tii ", "b\t1\tM <m@x.org>\tall\thi ", "c\t1\tM <m@x.org>\tall\tiU ", "d\t1\tM <m@x.org>\tall\trc ", "e\t1\tM <m@x.org>\tall\tun ", "f\t1\tM <m@x.org>\tall\tiHR", "g\t1\tM <m@x.org>\tall\ti", ""].join("\n");
    expect(parseDpkgQuery(text).map((r) => r.name)).toEqual(["a", "b", "c"]);
  });

  it("keeps a maintainer verbatim when it has no trailing e-mail address", () => {
    const rows = parseDpkgQuery("x\t1\t<script>alert('x')</script>\tall\tii \ny\t1\tJöhn \"Q\" O'Brien <jq@example.org>\tall\tii \nz\t1\t\tall\tii \n");
    expect(rows.map((r) => r.publisher)).toEqual(["<script>alert('x')</script>", "Jöhn \"Q\" O'Brien", ""]);
  });
});
