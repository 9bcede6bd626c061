// A probe reads one kind of fact on one platform and returns typed rows, or throws.
// The runner (run-probes.ts) owns timeouts and status; assemble.ts merges contributions.
import type { Disk, Endpoint, Hardware, Nic, OperatingSystem, Peripheral, Security, SoftwareEntry } from "../../schemas/inventory.v1.js";
import type { Host, Platform } from "./host/host.js";

/** What one probe adds to the inventory. Every part is optional; absent means "this probe does not know". */
export interface Contribution {
  endpoint?: Partial<Omit<Endpoint, "id" | "idSource">>;
  os?: Partial<OperatingSystem>;
  hardware?: Partial<Pick<Hardware, "cpu" | "memoryBytes" | "bios">>;
  disks?: Disk[];
  nics?: Nic[];
  peripherals?: Peripheral[];
  software?: SoftwareEntry[];
  security?: Partial<Security>;
  /** Partial failures worth telling the reader (e.g. a user profile whose hive was not loaded). */
  notes?: string[];
}

export interface ProbeContext {
  host: Host;
  /** Aborted when the probe's time is up; pass it to host.run / host.powershell. */
  signal: AbortSignal;
}

export interface Probe {
  /** `<platform>.<name>`, e.g. linux.software-dpkg; the recording keys and docs use it. */
  id: string;
  platform: Platform;
  /** Milliseconds before the runner gives up on it (default in run-probes.ts), counted from its own start. */
  timeoutMs?: number;
  /**
   * A resource that serves one caller at a time (the scan's PowerShell session). Probes naming the same
   * resource run one after another, so a probe's deadline never includes time spent queued behind others.
   */
  exclusive?: "powershell";
  run(context: ProbeContext): Promise<Contribution>;
}

/** Thrown when the facts this probe reads do not exist on this machine (no rpm on Debian, no Appx on Windows 7). */
export class ProbeUnsupported extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProbeUnsupported";
  }
}
