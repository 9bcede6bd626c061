// The registry of probes. Order matters only for scalars two probes both know: the earlier one wins.
// A test checks that every probe file under probes/<platform>/ is registered here.
import type { Platform } from "../host/host.js";
import type { Probe } from "../probe.js";
import { linuxCpuMemoryProbe } from "./linux/cpu-memory.js";
import { linuxOsProbe } from "./linux/os.js";
import { linuxPrintersProbe } from "./linux/printers.js";
import { linuxSecurityProbe } from "./linux/security.js";
import { linuxDpkgProbe } from "./linux/software-dpkg.js";
import { linuxFlatpakProbe } from "./linux/software-flatpak.js";
import { linuxRpmProbe } from "./linux/software-rpm.js";
import { linuxSnapProbe } from "./linux/software-snap.js";
import { linuxSystemProbe } from "./linux/system.js";
import { linuxUsbProbe } from "./linux/usb.js";
import { linuxDisksProbe } from "./linux/disks.js";
import { linuxNetworkProbe } from "./linux/network.js";
import { windowsProbes } from "./windows/index.js";
import { darwinProbes } from "./darwin/index.js";

export const PROBES: readonly Probe[] = [
  linuxOsProbe,
  linuxSystemProbe,
  linuxCpuMemoryProbe,
  linuxDisksProbe,
  linuxNetworkProbe,
  linuxUsbProbe,
  linuxPrintersProbe,
  linuxDpkgProbe,
  linuxRpmProbe,
  linuxSnapProbe,
  linuxFlatpakProbe,
  linuxSecurityProbe,
  ...windowsProbes,
  ...darwinProbes,
];

export function probesFor(platform: Platform): Probe[] {
  return PROBES.filter((probe) => probe.platform === platform);
}
