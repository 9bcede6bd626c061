import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseSnapList } from "./software-snap.js";

const fixture = (path: string) => readFileSync(new URL(`../../../test/fixtures/linux/${path}`, import.meta.url), "utf8");

describe("parseSnapList", () => {
  it("reads --unicode=never output, where verified is ** and starred is *", () => {
    const rows = parseSnapList(fixture("ubuntu-22.04-laptop/cmd/snap-list.out"));
    expect(rows).toContainEqual({ name: "firefox", version: "126.0.1-1", publisher: "mozilla", source: "snap", scope: "machine" });
    expect(rows).toContainEqual({ name: "teams-for-linux", version: "1.4.27", publisher: "ismaelmartinez", source: "snap", scope: "machine" });
    expect(rows.filter((r) => r.publisher === "canonical")).toHaveLength(7);
    expect(rows).toHaveLength(10);
  });

  it("strips the Unicode check mark and star, and a '-' publisher", () => {
    const text = "Name      Version   Rev   Tracking       Publisher   Notes\ncore20    20240416  2318  latest/stable  canonical✓  base\nfoo       1.0       3     latest/edge    bob✪        -\nlocal     0.1       x1    -              -           -\n";
    expect(parseSnapList(text).map((r) => r.publisher)).toEqual(["canonical", "bob", undefined]);
  });

  it("returns nothing when no snap is installed or the header is not there", () => {
    expect(parseSnapList("")).toEqual([]);
    expect(parseSnapList("error: cannot communicate with server\n")).toEqual([]);
  });
});
