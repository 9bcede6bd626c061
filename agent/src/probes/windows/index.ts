// Windows probes, in merge order (see ../index.ts). Each runs one PowerShell script in the scan's shared
// Windows PowerShell session; docs/agent-windows.md says what each reads.
import type { Probe } from "../../probe.js";
import { windowsDisksNetworkProbe } from "./disks-network.js";
import { windowsOsProbe } from "./os.js";
import { windowsPeripheralsProbe } from "./peripherals.js";
import { windowsSecurityProbe } from "./security.js";
import { windowsSoftwareAppxProbe } from "./software-appx.js";
import { windowsSoftwareRegistryProbe } from "./software-registry.js";
import { windowsSystemProbe } from "./system.js";

export const windowsProbes: readonly Probe[] = [
  windowsOsProbe,
  windowsSystemProbe,
  windowsDisksNetworkProbe,
  windowsSoftwareRegistryProbe,
  windowsSoftwareAppxProbe,
  windowsPeripheralsProbe,
  windowsSecurityProbe,
];
