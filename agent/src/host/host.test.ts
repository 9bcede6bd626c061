import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CommandNotFound, NotRecorded } from "./host.js";
import { LiveHost } from "./live-host.js";
import { decodeTransport } from "./powershell-session.js";
import { RecordingHost, ReplayHost } from "./recording.js";

describe("LiveHost", () => {
  const host = new LiveHost();

  it("reports a program that is not installed as CommandNotFound", async () => {
    await expect(host.run("x", "caveat-no-such-program", [])).rejects.toBeInstanceOf(CommandNotFound);
  });

  it("returns non-zero exit codes and stderr instead of throwing", async () => {
    const result = await host.run("sh", "sh", ["-c", "echo out; echo err >&2; exit 3"]);
    expect(result).toEqual({ stdout: "out\n", stderr: "err\n", exitCode: 3 });
  });

  it("kills a command when its probe's signal aborts", async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error("time is up")), 50);
    await expect(host.run("sleep", "sleep", ["10"], controller.signal)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("answers undefined / empty for files and directories that do not exist", async () => {
    expect(await host.readFile("/nonexistent/caveat")).toBeUndefined();
    expect(await host.listDir("/nonexistent/caveat")).toEqual([]);
  });
});

describe("recording and replay", () => {
  it("replays commands, exit codes, missing programs, files, listings and systeminformation results", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caveat-rec-"));
    const recording = new RecordingHost(new LiveHost(), dir);
    await recording.start("0.1.0");
    const ran = await recording.run("greet", "sh", ["-c", "printf 'Zoë <b>\"x\"</b>'; exit 1"]);
    await expect(recording.run("missing", "caveat-no-such-program", [])).rejects.toBeInstanceOf(CommandNotFound);
    const file = await recording.readFile("/proc/sys/kernel/osrelease");
    const listing = await recording.listDir("/proc/sys/kernel/random");
    const si = await recording.systemInformation("answer", async () => ({ value: 42 }));

    const replay = await ReplayHost.open(dir);
    expect(replay.platform).toBe("linux");
    expect(await replay.run("greet", "sh", [])).toEqual(ran);
    await expect(replay.run("missing", "caveat-no-such-program", [])).rejects.toBeInstanceOf(CommandNotFound);
    expect(await replay.readFile("/proc/sys/kernel/osrelease")).toBe(file);
    expect(await replay.listDir("/proc/sys/kernel/random")).toEqual(listing);
    expect(await replay.systemInformation("answer")).toEqual(si);
    await expect(replay.run("never-recorded", "x", [])).rejects.toBeInstanceOf(NotRecorded);
    expect(JSON.parse(await readFile(join(dir, "cmd", "greet.json"), "utf8"))).toMatchObject({ argv: ["sh", "-c", expect.any(String)], exitCode: 1 });
  });
});

describe("PowerShell transport", () => {
  it("decodes base64 of UTF-8 and normalises CRLF, whatever the console code page did", () => {
    const text = "{\"DisplayName\":\"Яндекс.Браузер\",\"x\":\"é\"}\r\n";
    const raw = `\r\n${Buffer.from(`\uFEFF${text}`, "utf8").toString("base64")}\r\n`;
    expect(decodeTransport(raw)).toBe("{\"DisplayName\":\"Яндекс.Браузер\",\"x\":\"é\"}\n");
  });
});
