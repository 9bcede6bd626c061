// macOS probes, in merge order (see ../index.ts).
import type { Probe } from "../../probe.js";

export const darwinProbes: readonly Probe[] = [];
