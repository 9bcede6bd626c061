// macOS probes, in merge order (see ../index.ts).
import type { Probe } from "../../probe.js";
import { darwinDisksProbe, darwinNetworkProbe } from "../shared/si-hardware.js";
import { darwinHardwareProbe } from "./hardware.js";
import { darwinOsProbe } from "./os.js";
import { darwinPeripheralsProbe } from "./peripherals.js";
import { darwinSecurityProbe } from "./security.js";
import { darwinApplicationsProbe } from "./software-apps.js";

export const darwinProbes: readonly Probe[] = [
  darwinOsProbe,
  darwinHardwareProbe,
  darwinDisksProbe,
  darwinNetworkProbe,
  darwinPeripheralsProbe,
  darwinApplicationsProbe,
  darwinSecurityProbe,
];
