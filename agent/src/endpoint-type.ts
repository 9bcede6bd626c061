// Classifies an endpoint as desktop | laptop | server | virtual | other from what firmware and the OS say.
import type { Endpoint } from "../../schemas/inventory.v1.js";

// SMBIOS System Enclosure types (DMTF DSP0134, 7.4.1), as reported by Linux chassis_type,
// Windows Win32_SystemEnclosure.ChassisTypes.
const CHASSIS: Record<number, Endpoint["type"]> = {
  3: "desktop", 4: "desktop", 5: "desktop", 6: "desktop", 7: "desktop", 13: "desktop", 15: "desktop", 16: "desktop", 24: "desktop", 35: "desktop", 36: "desktop",
  8: "laptop", 9: "laptop", 10: "laptop", 11: "laptop", 14: "laptop", 30: "laptop", 31: "laptop", 32: "laptop",
  17: "server", 23: "server", 25: "server", 28: "server", 29: "server",
};

// Manufacturer / model strings that hypervisors put in SMBIOS.
const VIRTUAL_MARKERS = [/^qemu/i, /^vmware/i, /virtualbox/i, /^innotek/i, /^xen/i, /^kvm/i, /^bochs/i, /^parallels/i, /virtual machine/i, /^amazon ec2/i, /^google compute engine/i, /^openstack/i, /^proxmox/i, /^virtualmac/i, /^apple virtual/i];

export interface TypeEvidence {
  chassisTypes?: number[];
  manufacturer?: string;
  model?: string;
  /** The OS says it is a server edition (Windows ProductType 2/3, a Server EditionID). */
  serverOs?: boolean;
  /** A hypervisor flag is set (Linux /proc/cpuinfo "hypervisor"); weaker than the SMBIOS markers. */
  hypervisor?: boolean;
  /** macOS machine_name ("MacBook Pro", "iMac", "Mac mini"). */
  macModelName?: string;
}

export function classifyEndpoint(evidence: TypeEvidence): Endpoint["type"] {
  const names = [evidence.manufacturer, evidence.model].filter((s): s is string => !!s?.trim());
  if (names.some((name) => VIRTUAL_MARKERS.some((re) => re.test(name.trim())))) return "virtual";
  if (evidence.macModelName) {
    if (/macbook/i.test(evidence.macModelName)) return "laptop";
    if (/xserve/i.test(evidence.macModelName)) return "server";
    return "desktop";
  }
  if (evidence.serverOs) return "server";
  for (const code of evidence.chassisTypes ?? []) {
    const type = CHASSIS[code];
    if (type) return type;
  }
  if (evidence.hypervisor) return "virtual";
  return "other";
}
