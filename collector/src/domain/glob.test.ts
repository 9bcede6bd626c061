import { describe, expect, it } from "vitest";
import { compileGlob, GlobIndex } from "./glob.js";

describe("compileGlob", () => {
  it("matches case-insensitively with * and ?, everything else literal", () => {
    expect(compileGlob("TeamViewer*")("teamviewer 15")).toBe(true);
    expect(compileGlob("TeamViewer*")("My TeamViewer")).toBe(false);
    expect(compileGlob("Office 201?")("office 2016")).toBe(true);
    expect(compileGlob("Office 201?")("Office 20160")).toBe(false);
    expect(compileGlob("Notepad++ (x64)")("Notepad++ (x64)")).toBe(true);
    expect(compileGlob("a.b")("axb")).toBe(false);
    expect(compileGlob("[x]*")("[x] tool")).toBe(true);
    expect(compileGlob("*")("")).toBe(true);
    expect(compileGlob("ÄRZTE*")("ärzte-software")).toBe(true);
  });
});

describe("GlobIndex", () => {
  it("returns every matching glob in catalog order, whatever bucket it sits in", () => {
    const index = new GlobIndex(["*Chrome*", "Google Chrome", "Go*", "Zoom", "?oogle*"]);
    expect(index.matches("google chrome")).toEqual([0, 1, 2, 4]);
    expect(index.matches("Zoom")).toEqual([3]);
    expect(index.matches("Slack")).toEqual([]);
    expect(index.matches("G")).toEqual([]);
  });

  it("agrees with testing every glob one by one", () => {
    const globs = ["Microsoft *", "Microsoft Visual C++*", "*Redistributable*", "Adobe?Reader*", "7-Zip", "7*", "*", "Java ? Update*", "x"];
    const names = ["Microsoft Visual C++ 2010 x64 Redistributable", "Adobe Reader XI", "7-Zip", "7-zip 23.01", "Java 8 Update 381", "", "x", "X"];
    const index = new GlobIndex(globs);
    for (const name of names) {
      const expected = globs.map((g, i) => (compileGlob(g)(name) ? i : -1)).filter((i) => i >= 0);
      expect(index.matches(name), name).toEqual(expected);
    }
  });
});
