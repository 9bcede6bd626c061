import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAptHistoryLastDate, parseLsblkEncryption } from "./security.js";

const fixture = (path: string) => readFileSync(new URL(`../../../test/fixtures/linux/${path}`, import.meta.url), "utf8");

describe("parseLsblkEncryption", () => {
  it("finds / under a LUKS (crypt) layer through LVM, util-linux 2.37 layout", () => {
    expect(parseLsblkEncryption(fixture("ubuntu-22.04-laptop/cmd/lsblk.out"))).toEqual([{ volume: "/", encrypted: true, method: "dm-crypt" }]);
  });

  it("reports / and /home unencrypted on plain LVM, util-linux 2.32 layout", () => {
    expect(parseLsblkEncryption(fixture("rhel-8.10-server/cmd/lsblk.out"))).toEqual([
      { volume: "/", encrypted: false, method: undefined },
      { volume: "/home", encrypted: false, method: undefined },
    ]);
  });

  it("reads the mountpoints array of newer lsblk and ignores other mounts", () => {
    const text = JSON.stringify({ blockdevices: [{ name: "sda", type: "disk", mountpoints: [null], children: [{ name: "sda1", type: "part", mountpoints: ["/boot"] }, { name: "luks", type: "crypt", mountpoints: [null], children: [{ name: "home", type: "lvm", mountpoints: ["/home"] }] }, { name: "sda3", type: "part", mountpoints: ["/"] }] }] });
    expect(parseLsblkEncryption(text)).toEqual([{ volume: "/home", encrypted: true, method: "dm-crypt" }, { volume: "/", encrypted: false, method: undefined }]);
  });
});

describe("parseAptHistoryLastDate", () => {
  it("takes the latest End-Date even when transactions are out of order", () => {
    expect(parseAptHistoryLastDate(fixture("ubuntu-22.04-laptop/fs/var/log/apt/history.log"))).toBe("2024-06-11");
  });

  it("returns undefined for a log without finished transactions", () => {
    expect(parseAptHistoryLastDate("Start-Date: 2024-06-11  12:31:04\nCommandline: apt upgrade\n")).toBeUndefined();
  });
});
