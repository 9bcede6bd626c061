// Installed programs from the Uninstall keys: HKLM in its 64-bit and 32-bit (WOW6432Node) views, and
// HKEY_USERS\<SID>\...\Uninstall for every user hive that is loaded. A profile whose hive is not loaded
// (the user is signed out) cannot be read without loading NTUSER.DAT, which the agent does not do: the
// probe says which profiles those are.
import type { SoftwareEntry } from "../../../../schemas/inventory.v1.js";
import type { Contribution } from "../../probe.js";
import {
  asFlag,
  asInteger,
  asObjects,
  asText,
  asVerbatim,
  buildScript,
  describeScriptError,
  parseScriptOutput,
  parseYyyymmdd,
  scriptErrors,
  powershellProbe,
  type JsonObject,
} from "./powershell-json.js";

// User SIDs: domain and local accounts (S-1-5-21-...) and Entra ID / Azure AD accounts (S-1-12-1-...).
// SYSTEM, LOCAL SERVICE, NETWORK SERVICE, .DEFAULT and the *_Classes hives do not match.
export const USER_SID_PATTERN = "^S-1-(5-21|12-1)-[0-9-]+$";

export const SOFTWARE_REGISTRY_SCRIPT = buildScript(String.raw`
$uninstall = 'SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall'
$userSid = '${USER_SID_PATTERN}'
function Resolve-CaveatAccount([string]$Sid) {
  # An account deleted since its profile was made has no name any more: the parser then shows the SID.
  try { (New-Object System.Security.Principal.SecurityIdentifier $Sid).Translate([System.Security.Principal.NTAccount]).Value } catch { $null }
}
function Read-CaveatUninstallKey($Key, [string]$Label) {
  if ($null -eq $Key) { return }
  foreach ($subName in $Key.GetSubKeyNames()) {
    $sub = Invoke-CaveatQuery "$Label\$subName" { $Key.OpenSubKey($subName) }
    if ($null -ne $sub) {
      $entry = [ordered]@{ key = $subName }
      foreach ($valueName in 'DisplayName', 'DisplayVersion', 'Publisher', 'InstallDate', 'SystemComponent', 'WindowsInstaller', 'ParentKeyName', 'ReleaseType') { $entry[$valueName] = $sub.GetValue($valueName) }
      $sub.Close()
      $entry
    }
  }
  $Key.Close()
}
$is64 = [Environment]::Is64BitOperatingSystem
$views = @([ordered]@{ arch = 'x64'; view = 'Registry64' }, [ordered]@{ arch = 'x86'; view = 'Registry32' })
if (-not $is64) { $views = @([ordered]@{ arch = 'x86'; view = 'Registry64' }) }
$hives = New-Object System.Collections.ArrayList
foreach ($v in $views) {
  $label = "HKLM\$uninstall ($($v.arch))"
  $key = Invoke-CaveatQuery $label { Open-CaveatRegistryKey 'LocalMachine' $uninstall $v.view }
  [void]$hives.Add([ordered]@{ root = 'HKLM'; arch = $v.arch; sid = $null; user = $null; present = ($null -ne $key); entries = @(Read-CaveatUninstallKey $key $label) })
}
$users = Invoke-CaveatQuery 'HKEY_USERS' { Open-CaveatRegistryKey 'Users' '' }
$loaded = @()
if ($null -ne $users) { $loaded = @($users.GetSubKeyNames() | Where-Object { $_ -match $userSid }) }
foreach ($sid in $loaded) {
  $label = "HKU\$sid\$uninstall"
  $key = Invoke-CaveatQuery $label { Open-CaveatRegistryKey 'Users' "$sid\$uninstall" }
  [void]$hives.Add([ordered]@{ root = 'HKU'; arch = $null; sid = $sid; user = (Resolve-CaveatAccount $sid); present = ($null -ne $key); entries = @(Read-CaveatUninstallKey $key $label) })
}
$profiles = @(Invoke-CaveatQuery 'ProfileList' {
  $list = Open-CaveatRegistryKey 'LocalMachine' 'SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList'
  foreach ($sid in $list.GetSubKeyNames()) {
    if ($sid -match $userSid) {
      $profileKey = $list.OpenSubKey($sid)
      [ordered]@{ sid = $sid; user = (Resolve-CaveatAccount $sid); path = $profileKey.GetValue('ProfileImagePath') }
      $profileKey.Close()
    }
  }
  $list.Close()
})
Write-CaveatJson ([ordered]@{ is64 = $is64; hives = @($hives); profiles = $profiles })
`);

// Uninstall entries that are parts of something else: updates (KB hotfixes, Office patches, service packs
// registered under a parent product).
const UPDATE_RELEASE_TYPES = new Set(["update", "hotfix", "security update"]);

/** Why an Uninstall entry is not a product of its own, or undefined when it is one. */
export function skipReason(entry: JsonObject): string | undefined {
  if (!asVerbatim(entry.DisplayName)) return "no DisplayName";
  // SystemComponent is a DWORD, sometimes written as a string; Office's "" means "not set".
  if (asInteger(entry.SystemComponent) === 1) return "SystemComponent";
  if (asText(entry.ParentKeyName)) return "ParentKeyName";
  if (UPDATE_RELEASE_TYPES.has(asText(entry.ReleaseType)?.toLowerCase() ?? "")) return "ReleaseType";
  return undefined;
}

export function mapUninstallEntry(entry: JsonObject, hive: { scope: SoftwareEntry["scope"]; user?: string; arch?: string }): SoftwareEntry | undefined {
  if (skipReason(entry)) return undefined;
  return {
    name: asVerbatim(entry.DisplayName)!,
    version: asText(entry.DisplayVersion),
    publisher: asText(entry.Publisher),
    installedOn: parseYyyymmdd(entry.InstallDate),
    source: asFlag(entry.WindowsInstaller) === true ? "msi" : "registry",
    scope: hive.scope,
    user: hive.user,
    arch: hive.arch,
  };
}

/** Same DisplayName, DisplayVersion, scope and user (e.g. from both registry views) is one program: the first wins. */
export function dedupeSoftware(rows: SoftwareEntry[]): SoftwareEntry[] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    const key = [row.name.trim().toLowerCase(), row.version ?? "", row.scope, row.user ?? ""].join("\u0000");
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function parseSoftwareRegistryReport(text: string): Contribution {
  const document = parseScriptOutput(text, "windows.software-registry");
  const hives = asObjects(document.hives);
  const errors = scriptErrors(document);
  if (!hives.some((h) => h.root === "HKLM" && h.present === true)) {
    throw new Error(`the machine's Uninstall key could not be read: ${errors.map(describeScriptError).join("; ") || "it is missing"}`);
  }
  const rows: SoftwareEntry[] = [];
  for (const hive of hives) {
    const isUser = hive.root === "HKU";
    const context = isUser
      ? { scope: "user" as const, user: asText(hive.user) ?? asText(hive.sid) }
      : { scope: "machine" as const, arch: asText(hive.arch) };
    for (const entry of asObjects(hive.entries)) {
      const row = mapUninstallEntry(entry, context);
      if (row) rows.push(row);
    }
  }

  const loadedSids = new Set(hives.filter((h) => h.root === "HKU").map((h) => asText(h.sid)));
  const notLoaded = asObjects(document.profiles).filter((p) => asText(p.sid) && !loadedSids.has(asText(p.sid)));
  const notes: string[] = [];
  if (notLoaded.length > 0) {
    const who = notLoaded.map((p) => {
      const sid = asText(p.sid)!;
      const user = asText(p.user);
      const path = asText(p.path);
      return `${user ?? sid}${user ? ` (${sid}${path ? `, ${path}` : ""})` : path ? ` (${path})` : ""}`;
    });
    notes.push(`per-user software not read for ${notLoaded.length} profile${notLoaded.length === 1 ? "" : "s"} whose registry hive is not loaded (user signed out): ${who.join(", ")}`);
  }
  notes.push(...errors.map(describeScriptError));
  return { software: dedupeSoftware(rows), notes };
}

export const windowsSoftwareRegistryProbe = powershellProbe("windows.software-registry", SOFTWARE_REGISTRY_SCRIPT, parseSoftwareRegistryReport);
