import { mkdtemp, readdir, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeFileAtomic } from "./write-atomic.js";

describe("writeFileAtomic", () => {
  it("replaces a file in one step and leaves no temp file behind", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caveat-atomic-"));
    await writeFileAtomic(join(dir, "sub", "a.json"), "one");
    await writeFileAtomic(join(dir, "sub", "a.json"), "two");
    expect(await readFile(join(dir, "sub", "a.json"), "utf8")).toBe("two");
    expect(await readdir(join(dir, "sub"))).toEqual(["a.json"]);
  });

  it("writes into /dev/null instead of renaming a file over the device", async () => {
    await writeFileAtomic("/dev/null", "discarded");
    expect((await stat("/dev/null")).isCharacterDevice()).toBe(true);
    expect(await readdir("/dev").then((names) => names.filter((n) => n.startsWith("null.")))).toEqual([]);
  });
});
