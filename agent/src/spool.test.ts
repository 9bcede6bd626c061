import { mkdtemp, readdir, readFile, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  backoffDelayMs,
  defaultSpoolDir,
  isDue,
  nextRetryState,
  parseRetryState,
  parseSpoolItemName,
  selectOverflow,
  Spool,
  spoolItemName,
  stateFileName,
  DEFAULT_SPOOL_LIMITS,
} from "./spool.js";

const ID_A = "0b5c3f4e-1111-4a2b-9c3d-000000000001";
const ID_B = "0b5c3f4e-2222-4a2b-9c3d-000000000002";
const ID_C = "0b5c3f4e-3333-4a2b-9c3d-000000000003";
const tempDir = () => mkdtemp(join(tmpdir(), "caveat-spool-"));

describe("spool item names", () => {
  it("start with collectedAt in UTC, fixed width, so lexical order is collection order", () => {
    expect(spoolItemName("2026-11-23T09:00:00.000Z", ID_A)).toBe(`20261123T090000.000Z-${ID_A}.json`);
    // Another time zone offset is converted to UTC first.
    expect(spoolItemName("2026-11-23T10:00:00.5+01:00", ID_A)).toBe(`20261123T090000.500Z-${ID_A}.json`);
    const times = ["2026-11-23T09:00:00.001Z", "2026-01-05T23:59:59.999Z", "2027-01-01T00:00:00.000Z", "2026-11-23T09:00:00.000Z", "2026-11-23T08:59:59.999Z"];
    const names = times.map((t) => spoolItemName(t, ID_A));
    expect([...names].sort().map((n) => parseSpoolItemName(n)!.collectedAt)).toEqual([...times].sort((a, b) => Date.parse(a) - Date.parse(b)));
  });

  it("parse back to collectedAt and scanId, and nothing else parses", () => {
    expect(parseSpoolItemName(`20261123T090000.123Z-${ID_B}.json`)).toEqual({ collectedAt: "2026-11-23T09:00:00.123Z", scanId: ID_B });
    expect(parseSpoolItemName(stateFileName(`20261123T090000.123Z-${ID_B}.json`))).toBeUndefined();
    expect(parseSpoolItemName(`20261123T090000.123Z-${ID_B}.json.4242.1.tmp`)).toBeUndefined();
    expect(parseSpoolItemName("caveat-inventory-PC01-20261123091403.json")).toBeUndefined();
  });

  it("refuse a scanId that is not a UUID: it becomes part of a path", () => {
    expect(() => spoolItemName("2026-11-23T09:00:00Z", "../../etc/passwd")).toThrow(/is not a UUID/);
    expect(() => spoolItemName("yesterday", ID_A)).toThrow(/is not a date-time/);
  });
});

describe("selectOverflow", () => {
  const items = [
    { name: "a", bytes: 10 },
    { name: "b", bytes: 10 },
    { name: "c", bytes: 10 },
  ];
  it("drops the oldest until both the count and the byte bound hold", () => {
    expect(selectOverflow(items, 3, 30)).toEqual([]);
    expect(selectOverflow(items, 2, 1000)).toEqual(["a"]);
    expect(selectOverflow(items, 10, 15)).toEqual(["a", "b"]);
    expect(selectOverflow(items, 1, 1000)).toEqual(["a", "b"]);
  });
  it("never drops the item to keep, even when it alone is over the byte bound", () => {
    expect(selectOverflow([...items, { name: "big", bytes: 100 }], 10, 50, "big")).toEqual(["a", "b", "c"]);
    expect(selectOverflow(items, 1, 1000, "a")).toEqual(["b", "c"]);
  });
});

describe("backoff", () => {
  it("is full jitter under base * 2^(attempts-1), capped at 6 hours", () => {
    const almostOne = () => 0.999999;
    expect(backoffDelayMs(1, undefined, () => 0)).toBe(0);
    expect(backoffDelayMs(1, undefined, almostOne)).toBe(59_999);
    expect(backoffDelayMs(2, undefined, almostOne)).toBe(119_999);
    expect(backoffDelayMs(5, undefined, () => 0.5)).toBe(16 * 60_000 * 0.5);
    expect(backoffDelayMs(40, undefined, almostOne)).toBe(6 * 3600_000 - 22);
    expect(backoffDelayMs(40, undefined, () => 0.5)).toBe(3 * 3600_000);
  });

  it("honours a Retry-After longer than the jittered delay, up to a day", () => {
    expect(backoffDelayMs(1, 120_000, almostHalf)).toBe(120_000);
    expect(backoffDelayMs(10, 1000, () => 0.5)).toBeGreaterThan(1000);
    expect(backoffDelayMs(1, 30 * 86400_000, () => 0)).toBe(86400_000);
  });

  it("spreads a fleet: delays after the same failure differ", () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelayMs(3, undefined)));
    expect(delays.size).toBeGreaterThan(40);
    for (const d of delays) expect(d).toBeLessThan(240_000);
  });

  it("counts attempts and sets the next attempt time", () => {
    const now = new Date("2026-11-23T09:00:00.000Z");
    const first = nextRetryState({ attempts: 0 }, now, "HTTP 503", 120_000, () => 0);
    expect(first).toEqual({ attempts: 1, firstAttemptAt: now.toISOString(), lastAttemptAt: now.toISOString(), nextAttemptAt: "2026-11-23T09:02:00.000Z", lastError: "HTTP 503" });
    const later = new Date("2026-11-23T10:00:00.000Z");
    const second = nextRetryState(first, later, "connect ECONNREFUSED", undefined, () => 0.5);
    expect(second).toMatchObject({ attempts: 2, firstAttemptAt: now.toISOString(), lastAttemptAt: later.toISOString(), nextAttemptAt: "2026-11-23T10:01:00.000Z" });
    expect(isDue(second, new Date("2026-11-23T10:00:59.999Z"))).toBe(false);
    expect(isDue(second, new Date("2026-11-23T10:01:00.000Z"))).toBe(true);
    expect(isDue({ attempts: 0 }, now)).toBe(true);
  });
});

const almostHalf = () => 0.49;

describe("parseRetryState", () => {
  it("reads what recordFailure writes and refuses anything else", () => {
    expect(parseRetryState('{"attempts":2,"nextAttemptAt":"2026-11-23T09:00:00.000Z","lastError":"x"}')).toEqual({ attempts: 2, nextAttemptAt: "2026-11-23T09:00:00.000Z", lastError: "x" });
    expect(parseRetryState('{"attempts":-1}')).toBeUndefined();
    expect(parseRetryState('{"attem')).toBeUndefined();
    expect(parseRetryState("[]")).toBeUndefined();
  });
});

describe("defaultSpoolDir", () => {
  const home = "/home/ana";
  it.each([
    [{ platform: "linux", env: {}, isRoot: true, home }, "/var/lib/caveat/spool"],
    [{ platform: "linux", env: {}, isRoot: false, home }, "/home/ana/.local/state/caveat/spool"],
    [{ platform: "linux", env: { XDG_STATE_HOME: "/srv/state" }, isRoot: false, home }, "/srv/state/caveat/spool"],
    [{ platform: "linux", env: { XDG_STATE_HOME: "relative/state" }, isRoot: false, home }, "/home/ana/.local/state/caveat/spool"],
    [{ platform: "darwin", env: {}, isRoot: true, home }, "/Library/Application Support/caveat/spool"],
    [{ platform: "darwin", env: {}, isRoot: false, home: "/Users/ana" }, "/Users/ana/Library/Application Support/caveat/spool"],
    [{ platform: "win32", env: { ProgramData: "D:\\ProgramData" }, isRoot: false, home: "C:\\Users\\ana" }, "D:\\ProgramData\\caveat\\spool"],
    [{ platform: "win32", env: {}, isRoot: false, home: "C:\\Users\\ana" }, "C:\\ProgramData\\caveat\\spool"],
  ] as const)("%j -> %s", (input, expected) => {
    expect(defaultSpoolDir({ ...input, env: { ...input.env } })).toBe(expected);
  });
});

describe("Spool on disk", () => {
  const doc = (id: string, size = 100) => JSON.stringify({ scanId: id, pad: "x".repeat(size) });

  it("lists items oldest first with their retry state, whatever order they were added in", async () => {
    const spool = new Spool(await tempDir());
    await spool.add(doc(ID_B), ID_B, "2026-11-23T10:00:00Z");
    await spool.add(doc(ID_A), ID_A, "2026-11-23T09:00:00Z");
    await spool.recordFailure(spoolItemName("2026-11-23T10:00:00Z", ID_B), { attempts: 1, nextAttemptAt: "2026-11-23T10:01:00.000Z", lastError: "HTTP 503" });
    const items = await spool.list();
    expect(items.map((i) => [i.scanId, i.state.attempts])).toEqual([
      [ID_A, 0],
      [ID_B, 1],
    ]);
    expect(items[1]!.state.lastError).toBe("HTTP 503");
    expect((await spool.read(items[0]!.name))!.toString()).toBe(doc(ID_A));
    expect((await stat(spool.dir)).mode & 0o777).toBe(0o700);
  });

  it("drops the oldest beyond the bounds, naming each in a warning, and keeps the one to keep", async () => {
    const warnings: string[] = [];
    const spool = new Spool(await tempDir(), { ...DEFAULT_SPOOL_LIMITS, maxItems: 2, maxBytes: 10_000 }, (m) => warnings.push(m));
    await spool.add(doc(ID_A), ID_A, "2026-11-23T09:00:00Z");
    await spool.add(doc(ID_B), ID_B, "2026-11-23T10:00:00Z");
    expect(await spool.enforceBounds()).toEqual([]);
    expect(warnings).toEqual([]);
    const fresh = await spool.add(doc(ID_C), ID_C, "2026-11-23T11:00:00Z");
    const dropped = await spool.enforceBounds(fresh);
    expect(dropped.map((d) => d.scanId)).toEqual([ID_A]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`dropped ${spoolItemName("2026-11-23T09:00:00Z", ID_A)}`);
    expect(warnings[0]).toContain("never submitted");
    expect((await spool.list()).map((i) => i.scanId)).toEqual([ID_B, ID_C]);

    // A scan bigger than the whole byte bound is still kept (the others go).
    const big = await spool.add(doc(ID_A, 20_000), ID_A, "2026-11-23T12:00:00Z");
    const more = await spool.enforceBounds(big);
    expect(more.map((d) => d.scanId)).toEqual([ID_B, ID_C]);
    expect((await spool.list()).map((i) => i.scanId)).toEqual([ID_A]);
  });

  it("moves a refused inventory to rejected/ with the answer beside it, and bounds rejected/ too", async () => {
    const warnings: string[] = [];
    const spool = new Spool(await tempDir(), { ...DEFAULT_SPOOL_LIMITS, maxRejectedItems: 1 }, (m) => warnings.push(m));
    const first = await spool.add(doc(ID_A), ID_A, "2026-11-23T09:00:00Z");
    await spool.recordFailure(first, { attempts: 1 });
    const record = { rejectedAt: "2026-11-23T09:05:00.000Z", url: "http://collector/api/v1/inventories", status: 400, error: { error: "schema", message: "/os/name is required" }, attempts: 2 };
    await spool.reject(first, record);
    expect(await readdir(spool.dir)).toEqual(["rejected"]);
    expect(JSON.parse(await readFile(join(spool.rejectedDir, first.replace(".json", ".error.json")), "utf8"))).toEqual(record);
    expect(await readFile(join(spool.rejectedDir, first), "utf8")).toBe(doc(ID_A));

    const second = await spool.add(doc(ID_B), ID_B, "2026-11-23T10:00:00Z");
    await spool.reject(second, { ...record, status: 401 });
    expect((await readdir(spool.rejectedDir)).sort()).toEqual([second, second.replace(".json", ".error.json")].sort());
    expect(warnings.join("\n")).toContain(`deleted the oldest rejected inventory ${first}`);
  });

  it("requeues rejected inventories as never tried", async () => {
    const spool = new Spool(await tempDir());
    const name = await spool.add(doc(ID_A), ID_A, "2026-11-23T09:00:00Z");
    await spool.reject(name, { rejectedAt: "x", url: "u", status: 401, error: {}, attempts: 1 });
    expect(await spool.list()).toEqual([]);
    expect(await spool.requeueRejected()).toEqual([name]);
    expect((await spool.list()).map((i) => [i.name, i.state.attempts])).toEqual([[name, 0]]);
    expect(await readdir(spool.rejectedDir)).toEqual([]);
  });

  it("survives what a crash leaves behind: orphan state, dead temp files, a damaged state file", async () => {
    const warnings: string[] = [];
    const spool = new Spool(await tempDir(), DEFAULT_SPOOL_LIMITS, (m) => warnings.push(m));
    const name = await spool.add(doc(ID_A), ID_A, "2026-11-23T09:00:00Z");
    // Crash between deleting an accepted inventory and its state file:
    await writeFile(join(spool.dir, stateFileName(spoolItemName("2026-11-23T08:00:00Z", ID_B))), '{"attempts":3}');
    // A write that died before its rename, an hour ago, and one in progress right now:
    const dead = join(spool.dir, `${spoolItemName("2026-11-23T07:00:00Z", ID_C)}.999.1.tmp`);
    const live = join(spool.dir, `${spoolItemName("2026-11-23T07:00:00Z", ID_C)}.999.2.tmp`);
    await writeFile(dead, "{ half");
    await writeFile(live, "{ half");
    await utimes(dead, new Date(Date.now() - 2 * 3600_000), new Date(Date.now() - 2 * 3600_000));
    // A state file a crash in an older version (or a person) damaged:
    await writeFile(join(spool.dir, stateFileName(name)), "{ not json");

    const items = await spool.list();
    expect(items.map((i) => [i.name, i.state.attempts])).toEqual([[name, 0]]);
    expect(warnings.join("\n")).toContain("is not a valid retry state; treating");
    expect((await readdir(spool.dir)).sort()).toEqual([name, stateFileName(name), live.slice(spool.dir.length + 1)].sort());
  });

  it("tolerates another agent run removing an item meanwhile", async () => {
    const spool = new Spool(await tempDir());
    const name = await spool.add(doc(ID_A), ID_A, "2026-11-23T09:00:00Z");
    await spool.remove(name);
    await spool.remove(name);
    expect(await spool.read(name)).toBeUndefined();
    expect(await spool.reject(name, { rejectedAt: "x", url: "u", status: 400, error: {}, attempts: 1 })).toEqual([]);
    expect(await readdir(spool.rejectedDir)).toEqual([]);
  });

  it("names stray files once instead of sending them", async () => {
    const warnings: string[] = [];
    const spool = new Spool(await tempDir(), DEFAULT_SPOOL_LIMITS, (m) => warnings.push(m));
    await spool.add(doc(ID_A), ID_A, "2026-11-23T09:00:00Z");
    await writeFile(join(spool.dir, "caveat-inventory-PC01-20261123091403.json"), "{}");
    await spool.list();
    await spool.list();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("ignoring caveat-inventory-PC01-20261123091403.json");
  });
});
