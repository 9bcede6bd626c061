/* Generated from schemas/inventory.v1.json by scripts/gen-types.mjs. Do not edit: run `npm run gen:schemas`. */

/**
 * Tenant slug: lowercase letters, digits and inner hyphens, at most 64 characters.
 *
 * This interface was referenced by `Inventory`'s JSON-Schema
 * via the `definition` "ClientSlug".
 */
export type ClientSlug = string;
/**
 * This interface was referenced by `Inventory`'s JSON-Schema
 * via the `definition` "Text".
 */
export type Text = string;

/**
 * One scan of one endpoint, as written by the caveat agent (or the legacy PowerShell 2.0 script). Absent fields mean 'not known'; the probes array says why something is unknown.
 */
export interface Inventory {
  schema: "caveat.inventory/v1";
  /**
   * Unique per scan; the collector uses it to make submissions idempotent.
   */
  scanId: string;
  collectedAt: string;
  agent: Agent;
  client?: ClientSlug;
  endpoint: Endpoint;
  os: OperatingSystem;
  hardware: Hardware;
  software: SoftwareEntry[];
  security: Security;
  probes: ProbeResult[];
}
/**
 * This interface was referenced by `Inventory`'s JSON-Schema
 * via the `definition` "Agent".
 */
export interface Agent {
  name: "caveat-agent" | "caveat-legacy-ps";
  version: string;
  /**
   * Set when the inventory was built from a recording (caveat scan --replay) rather than a live machine.
   */
  replayedFrom?: string;
}
/**
 * This interface was referenced by `Inventory`'s JSON-Schema
 * via the `definition` "Endpoint".
 */
export interface Endpoint {
  /**
   * Stable across scans and agent reinstalls: the SMBIOS UUID when it is trustworthy, else a UUIDv5 of the next best machine identifier (see idSource).
   */
  id: string;
  /**
   * What the id was derived from; 'hostname' is a last resort and is not stable across renames.
   */
  idSource: "smbios-uuid" | "machine-guid" | "machine-id" | "serial" | "hostname";
  hostname: Text;
  domain?: Text;
  manufacturer?: Text;
  model?: Text;
  serial?: Text;
  type: "desktop" | "laptop" | "server" | "virtual" | "other";
  /**
   * SMBIOS system UUID as reported, when readable.
   */
  uuid?: string;
  /**
   * OS installation identifier: Windows MachineGuid, Linux /etc/machine-id.
   */
  machineId?: string;
}
/**
 * This interface was referenced by `Inventory`'s JSON-Schema
 * via the `definition` "OperatingSystem".
 */
export interface OperatingSystem {
  platform: "windows" | "linux" | "darwin";
  /**
   * Exactly as the OS reports it (Win32_OperatingSystem Caption, os-release PRETTY_NAME, sw_vers ProductName + ProductVersion), trailing spaces included.
   */
  name: string;
  /**
   * Windows major.minor.build (10.0.19045), os-release VERSION_ID (22.04), macOS ProductVersion (14.6.1).
   */
  version?: string;
  /**
   * Windows CurrentBuild.UBR (19045.6456); macOS BuildVersion; absent on Linux.
   */
  build?: string;
  /**
   * Windows EditionID (Professional, Enterprise, EnterpriseS, IoTEnterpriseS, Education, Core, ServerStandard...).
   */
  edition?: string;
  /**
   * Windows DisplayVersion or ReleaseId (22H2, 24H2, 1809); Linux VERSION_CODENAME.
   */
  displayVersion?: string;
  /**
   * Linux os-release ID (ubuntu, debian, rhel, centos, rocky, almalinux...).
   */
  distro?: string;
  /**
   * Linux os-release ID_LIKE.
   */
  distroLike?: string[];
  /**
   * Windows CSDVersion (Service Pack 1) where it still exists.
   */
  servicePack?: string;
  kernel?: string;
  /**
   * x64, x86, arm64, ...
   */
  arch?: string;
  installDate?: string;
  lastBoot?: string;
}
/**
 * This interface was referenced by `Inventory`'s JSON-Schema
 * via the `definition` "Hardware".
 */
export interface Hardware {
  cpu?: {
    model: Text;
    cores?: number;
    threads?: number;
  };
  memoryBytes?: number;
  bios?: {
    vendor?: Text;
    version?: Text;
    date?: string;
  };
  disks: Disk[];
  nics: Nic[];
  peripherals: Peripheral[];
}
/**
 * This interface was referenced by `Inventory`'s JSON-Schema
 * via the `definition` "Disk".
 */
export interface Disk {
  model?: Text;
  serial?: Text;
  sizeBytes?: number;
  type?: "ssd" | "hdd" | "nvme" | "removable" | "virtual" | "other";
}
/**
 * This interface was referenced by `Inventory`'s JSON-Schema
 * via the `definition` "Nic".
 */
export interface Nic {
  name: Text;
  /**
   * Lowercase, colon separated.
   */
  mac?: string;
  virtual?: boolean;
}
/**
 * This interface was referenced by `Inventory`'s JSON-Schema
 * via the `definition` "Peripheral".
 */
export interface Peripheral {
  kind: "usb" | "monitor" | "printer" | "other";
  vendor?: Text;
  product?: Text;
  /**
   * USB idVendor / EDID manufacturer code, lowercase hex.
   */
  vendorId?: string;
  productId?: string;
  serial?: Text;
}
/**
 * This interface was referenced by `Inventory`'s JSON-Schema
 * via the `definition` "SoftwareEntry".
 */
export interface SoftwareEntry {
  /**
   * DisplayName, package name or application name exactly as installed.
   */
  name: string;
  version?: string;
  publisher?: string;
  installedOn?: string;
  source: "msi" | "registry" | "appx" | "dpkg" | "rpm" | "snap" | "flatpak" | "app" | "pkg" | "other";
  scope: "machine" | "user";
  /**
   * For scope=user: the account (or SID) the entry belongs to.
   */
  user?: string;
  arch?: string;
}
/**
 * This interface was referenced by `Inventory`'s JSON-Schema
 * via the `definition` "Security".
 */
export interface Security {
  firewall?: {
    /**
     * True only when every profile/zone the OS reports is enabled.
     */
    enabled: boolean;
    profiles?: {
      [k: string]: boolean;
    };
    product?: string;
  };
  diskEncryption?: {
    volume: string;
    encrypted: boolean;
    method?: string;
  }[];
  antivirus?: {
    name: Text;
    enabled?: boolean;
    upToDate?: boolean;
  }[];
  pendingReboot?: boolean;
  lastUpdateInstalled?: string;
  automaticUpdates?: boolean;
}
/**
 * This interface was referenced by `Inventory`'s JSON-Schema
 * via the `definition` "ProbeResult".
 */
export interface ProbeResult {
  id: string;
  status: "ok" | "unsupported" | "error" | "timeout";
  durationMs: number;
  message?: string;
}
