import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseLpstatDevices } from "./printers.js";

const fixture = (path: string) => readFileSync(new URL(`../../../test/fixtures/linux/${path}`, import.meta.url), "utf8");

describe("parseLpstatDevices", () => {
  it("takes make, model and serial from usb:// URIs and the queue name from network ones", () => {
    expect(parseLpstatDevices(fixture("ubuntu-22.04-laptop/cmd/lpstat-v.out"))).toEqual([
      { kind: "printer", product: "Bureau_Canon_MF742C" },
      { kind: "printer", vendor: "HP", product: "LaserJet Pro M404-M405", serial: "PHBQB12345" },
    ]);
  });

  it("keeps a malformed percent escape as written and ignores other lines", () => {
    const text = "device for Odd: usb://ACME/Model%ZZ%20100\nlpstat: No destinations added.\ndevice for Plain: usb://Brother/HL-L2350DW%20series\n";
    expect(parseLpstatDevices(text)).toEqual([
      { kind: "printer", vendor: "ACME", product: "Model%ZZ%20100", serial: undefined },
      { kind: "printer", vendor: "Brother", product: "HL-L2350DW series", serial: undefined },
    ]);
  });
});
