// Application bundles found by Spotlight/LaunchServices, from `system_profiler -json -detailLevel mini
// SPApplicationsDataType`. It walks every .app on the disks, so it is the slowest probe (tens of seconds
// on a machine with Xcode and many users); hence its own timeout.
import type { SoftwareEntry } from "../../../../schemas/inventory.v1.js";
import type { Probe } from "../../probe.js";
import { runCommand } from "../shared/command.js";

/** One item of SPApplicationsDataType. Older macOS reports runtime_environment/has64BitIntelCode instead of arch_kind. */
interface ApplicationItem {
  _name?: string;
  version?: string;
  path?: string;
  /** ISO 8601 in the JSON output ("2024-03-21T06:13:23Z"); a plist <date> in the XML one. */
  lastModified?: string;
  /** apple | mac_app_store | identified_developer | unknown */
  obtained_from?: string;
  /** The signing certificate chain, leaf first: "Developer ID Application: Google LLC (EQHXZ8M8AV)", ... */
  signed_by?: string[];
  arch_kind?: string;
}

// arch_kind as system_profiler names it → the inventory's arch words.
const ARCH_KINDS: Record<string, string> = {
  arch_arm: "arm64",
  arch_i64: "x64",
  arch_i32: "x86",
  arch_arm_i64: "universal",
  arch_i32_i64: "universal",
  arch_ios: "arm64",
};

// Who stands behind an app when no Developer ID names the vendor.
const OBTAINED_FROM: Record<string, string> = { apple: "Apple Inc.", mac_app_store: "Mac App Store" };

/** "Developer ID Application: Google LLC (EQHXZ8M8AV)" → "Google LLC"; else what obtained_from says. */
export function applicationPublisher(item: Pick<ApplicationItem, "signed_by" | "obtained_from">): string | undefined {
  const leaf = item.signed_by?.[0]?.trim();
  const developer = leaf ? /^Developer ID Application:\s*(.+?)(?:\s*\([A-Z0-9]{10}\))?$/.exec(leaf)?.[1] : undefined;
  return developer || (item.obtained_from ? OBTAINED_FROM[item.obtained_from] : undefined);
}

/** The account whose home holds the bundle (/Users/<name>/...), or undefined for machine-wide locations. */
export function applicationOwner(path: string | undefined): string | undefined {
  const user = /^\/Users\/([^/]+)\//.exec(path ?? "")?.[1];
  return user && user !== "Shared" ? user : undefined;
}

/** Parses `system_profiler -json SPApplicationsDataType` (any detail level). */
export function parseSpApplications(text: string): SoftwareEntry[] {
  const report = JSON.parse(text) as { SPApplicationsDataType?: ApplicationItem[] };
  const rows: SoftwareEntry[] = [];
  for (const item of report.SPApplicationsDataType ?? []) {
    const name = item._name?.trim();
    if (!name) continue;
    const user = applicationOwner(item.path);
    const date = /^(\d{4}-\d{2}-\d{2})T/.exec(item.lastModified ?? "")?.[1];
    rows.push({
      name,
      version: item.version?.trim() || undefined,
      publisher: applicationPublisher(item),
      installedOn: date && !Number.isNaN(Date.parse(date)) ? date : undefined,
      source: "app",
      scope: user ? "user" : "machine",
      user,
      arch: item.arch_kind ? ARCH_KINDS[item.arch_kind] : undefined,
    });
  }
  return rows;
}

export const darwinApplicationsProbe: Probe = {
  id: "darwin.software-apps",
  platform: "darwin",
  timeoutMs: 60_000,
  async run(context) {
    const args = ["-json", "-detailLevel", "mini", "SPApplicationsDataType"];
    return { software: parseSpApplications(await runCommand(context, "system-profiler-applications", "/usr/sbin/system_profiler", args, "system_profiler SPApplicationsDataType")) };
  },
};
