// Security posture: firewall profiles, antivirus products registered with Security Center, BitLocker per
// volume, pending reboot and the date of the last installed update. Each part is optional: what could not
// be read (no Security Center on Server, BitLocker status without administrator rights) is said in notes.
import type { Security } from "../../../../schemas/inventory.v1.js";
import type { Contribution } from "../../probe.js";
import {
  asFlag,
  asInteger,
  asObjects,
  asText,
  buildScript,
  describeScriptError,
  isAbsent,
  isCalendarDate,
  isDenied,
  isObject,
  parseScriptOutput,
  parseWindowsDateTime,
  parseYyyymmdd,
  scriptErrors,
  toDate,
  powershellProbe,
  type JsonObject,
  type ScriptError,
} from "./powershell-json.js";

// Get-NetFirewallProfile -PolicyStore ActiveStore gives the effective state, Group Policy included (the
// default store would show only the local settings). Its Enabled is a GpoBoolean enum, cast to a string.
export const SECURITY_SCRIPT = buildScript(String.raw`
function Test-CaveatRegistryKey([string]$Path) {
  try { $probeKey = Open-CaveatRegistryKey 'LocalMachine' $Path }
  catch {
    # A key this account may not open exists all the same.
    if ($_.Exception.GetBaseException() -is [System.Security.SecurityException]) { return $true }
    throw
  }
  if ($null -eq $probeKey) { return $false }
  $probeKey.Close()
  $true
}
$firewall = @(Invoke-CaveatQuery 'Get-NetFirewallProfile' { Get-NetFirewallProfile -PolicyStore ActiveStore | ForEach-Object { [ordered]@{ name = [string]$_.Name; enabled = [string]$_.Enabled } } })
$netsh = $null
if ($firewall.Count -eq 0) { $netsh = Invoke-CaveatQuery 'netsh advfirewall' { (& netsh.exe advfirewall show allprofiles state) -join [Environment]::NewLine } }
$antivirus = @(Invoke-CaveatQuery 'AntiVirusProduct' { Get-CimInstance -Namespace 'root\SecurityCenter2' -ClassName AntiVirusProduct | Select-Object displayName, productState, timestamp })
$volumes = @(Invoke-CaveatQuery 'Win32_EncryptableVolume' { Get-CimInstance -Namespace 'root\cimv2\Security\MicrosoftVolumeEncryption' -ClassName Win32_EncryptableVolume | Select-Object DriveLetter, ProtectionStatus, ConversionStatus, EncryptionMethod, VolumeType })
$reboot = Invoke-CaveatQuery 'pending reboot keys' { [ordered]@{ componentBasedServicing = (Test-CaveatRegistryKey 'SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending'); windowsUpdate = (Test-CaveatRegistryKey 'SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired') } }
$hotfixes = @(Invoke-CaveatQuery 'Win32_QuickFixEngineering' { Get-CimInstance -ClassName Win32_QuickFixEngineering | ForEach-Object { [ordered]@{ id = $_.HotFixID; installedOn = [string]$_.CimInstanceProperties['InstalledOn'].Value } } })
Write-CaveatJson ([ordered]@{ firewall = $firewall; netsh = $netsh; antivirus = $antivirus; encryptableVolumes = $volumes; reboot = $reboot; hotfixes = $hotfixes })
`);

// ---- firewall ------------------------------------------------------------------------------------

export function mapFirewallProfiles(profiles: JsonObject[]): Security["firewall"] | undefined {
  const states: Record<string, boolean> = {};
  for (const profile of profiles) {
    const name = asText(profile.name);
    // GpoBoolean: True, False or NotConfigured (which the active store resolves; treat leftovers as unknown).
    const enabled = asFlag(profile.enabled);
    if (name && enabled !== undefined) states[name] = enabled;
  }
  if (Object.keys(states).length === 0) return undefined;
  return { enabled: Object.values(states).every(Boolean), profiles: states, product: "Windows Firewall" };
}

/** `netsh advfirewall show allprofiles state` (English output only; other languages are reported as unknown). */
export function parseNetshFirewall(text: string): Security["firewall"] | undefined {
  const states: Record<string, boolean> = {};
  let current: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const header = /^(\w+) Profile Settings:/i.exec(line.trim());
    if (header) current = header[1]!;
    const state = /^State\s+(ON|OFF)\s*$/i.exec(line.trim());
    if (state && current) states[current] = state[1]!.toUpperCase() === "ON";
  }
  if (Object.keys(states).length === 0) return undefined;
  return { enabled: Object.values(states).every(Boolean), profiles: states, product: "Windows Firewall" };
}

// ---- antivirus -----------------------------------------------------------------------------------

/**
 * AntiVirusProduct.productState is not documented by Microsoft. The reading used by monitoring scripts
 * (homotechsual.dev/2022/10/05/Monitoring-AV-PowerShell, revised 2023-03-27; cf. the WSC_SECURITY_PRODUCT_STATE
 * values of iwscapi.h) is a bit field:
 *   bits 12-15 (mask 0xF000) product state: 0x0 off, 0x1 on, 0x2 snoozed, 0x3 expired
 *   bits  4-7  (mask 0x00F0) signatures:    0x0 up to date, 0x1 out of date
 * e.g. Defender 397568 = 0x061100: on, up to date; 393472 = 0x060100: off (another product is active);
 * 397584 = 0x061110: on, out of date. (wortell/PSHelpers' SignatureStatus enum has the two signature
 * values the other way round; its own examples agree with the reading above.)
 */
export function decodeProductState(state: number): { enabled: boolean; upToDate: boolean } {
  return { enabled: ((state >> 12) & 0xf) === 1, upToDate: ((state >> 4) & 0xf) === 0 };
}

export function mapAntivirus(products: JsonObject[]): NonNullable<Security["antivirus"]> {
  const rows: NonNullable<Security["antivirus"]> = [];
  for (const product of products) {
    const name = asText(product.displayName);
    if (!name) continue;
    const state = asInteger(product.productState);
    rows.push(state === undefined ? { name } : { name, ...decodeProductState(state) });
  }
  return rows;
}

// ---- BitLocker -----------------------------------------------------------------------------------

// Win32_EncryptableVolume.EncryptionMethod (GetEncryptionMethod in the WMI reference).
const ENCRYPTION_METHODS: Record<number, string> = {
  1: "AES-128 with Diffuser", 2: "AES-256 with Diffuser", 3: "AES-128", 4: "AES-256", 5: "Hardware encryption", 6: "XTS-AES-128", 7: "XTS-AES-256",
};
const FULLY_ENCRYPTED = 1;
const PROTECTION_ON = 1;

/**
 * A volume counts as encrypted when BitLocker protection is on (ProtectionStatus 1): a fully encrypted
 * volume whose protection is suspended has its key in the clear on the disk, and says so in a note.
 */
export function mapEncryptableVolumes(volumes: JsonObject[]): { rows: NonNullable<Security["diskEncryption"]>; notes: string[] } {
  const rows: NonNullable<Security["diskEncryption"]> = [];
  const notes: string[] = [];
  for (const volume of volumes) {
    const letter = asText(volume.DriveLetter);
    if (!letter) continue; // recovery and EFI partitions have no letter and hold no user data
    const protection = asInteger(volume.ProtectionStatus);
    const conversion = asInteger(volume.ConversionStatus);
    const method = ENCRYPTION_METHODS[asInteger(volume.EncryptionMethod) ?? 0];
    const encrypted = protection !== undefined ? protection === PROTECTION_ON : conversion === FULLY_ENCRYPTED;
    if (!encrypted && conversion === FULLY_ENCRYPTED) notes.push(`${letter} is encrypted but BitLocker protection is suspended (the key is readable on the disk)`);
    rows.push({ volume: letter, encrypted, method: encrypted && method ? `BitLocker ${method}` : undefined });
  }
  return { rows, notes };
}

// ---- updates -------------------------------------------------------------------------------------

/**
 * Win32_QuickFixEngineering.InstalledOn is a string: "10/12/2023" (M/d/yyyy whatever the locale),
 * sometimes a hexadecimal FILETIME ("01d9fc8b5a8e7c00"), sometimes empty.
 */
export function parseHotfixInstalledOn(value: unknown): string | undefined {
  const text = asText(value);
  if (!text) return undefined;
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
  if (us) {
    const [month, day, year] = [Number(us[1]), Number(us[2]), Number(us[3])];
    return isCalendarDate(year, month, day) && year > 1980 ? `${us[3]}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}` : undefined;
  }
  if (/^[0-9a-f]{16}$/i.test(text)) {
    const ms = Number(BigInt(`0x${text}`) / 10_000n) - 11_644_473_600_000; // FILETIME: 100 ns ticks since 1601
    return toDate(parseWindowsDateTime(new Date(ms).toISOString()));
  }
  return parseYyyymmdd(text) ?? toDate(parseWindowsDateTime(text));
}

export function lastHotfixDate(hotfixes: JsonObject[]): string | undefined {
  return hotfixes.map((h) => parseHotfixInstalledOn(h.installedOn)).filter((d): d is string => d !== undefined).sort().pop();
}

// ---- probe ---------------------------------------------------------------------------------------

function noteFor(error: ScriptError): string {
  if (error.query === "AntiVirusProduct" && isAbsent(error)) return "no Security Center on this Windows (Windows Server): antivirus state unknown";
  if (error.query === "Win32_EncryptableVolume" && isDenied(error)) return "BitLocker status needs administrator rights: disk encryption unknown";
  if (error.query === "Win32_EncryptableVolume" && isAbsent(error)) return "BitLocker is not installed (Windows Server feature not added): disk encryption unknown";
  if (error.query === "Get-NetFirewallProfile") return `Get-NetFirewallProfile failed, netsh was asked instead (${describeScriptError(error)})`;
  return describeScriptError(error);
}

export function parseSecurityReport(text: string): Contribution {
  const document = parseScriptOutput(text, "windows.security");
  const errors = scriptErrors(document);
  const failed = (query: string) => errors.some((e) => e.query === query);
  const notes = errors.map(noteFor);
  const security: Security = {};

  security.firewall = mapFirewallProfiles(asObjects(document.firewall));
  if (!security.firewall && typeof document.netsh === "string") {
    security.firewall = parseNetshFirewall(document.netsh);
    if (!security.firewall) notes.push("netsh advfirewall output not understood (not English?): firewall state unknown");
  }

  if (!failed("AntiVirusProduct")) security.antivirus = mapAntivirus(asObjects(document.antivirus));

  // Without the BitLocker feature (Windows Server) the volumes stay unknown rather than "not encrypted":
  // another encryption product may be in use, and this probe cannot see it.
  if (!failed("Win32_EncryptableVolume")) {
    const volumes = mapEncryptableVolumes(asObjects(document.encryptableVolumes));
    security.diskEncryption = volumes.rows;
    notes.push(...volumes.notes);
  }

  if (isObject(document.reboot)) {
    const flags = [asFlag(document.reboot.componentBasedServicing), asFlag(document.reboot.windowsUpdate)];
    if (flags.some((f) => f !== undefined)) security.pendingReboot = flags.some((f) => f === true);
  }
  security.lastUpdateInstalled = lastHotfixDate(asObjects(document.hotfixes));

  if (Object.values(security).every((v) => v === undefined)) {
    throw new Error(`no security fact could be read: ${errors.map(describeScriptError).join("; ") || "every query was empty"}`);
  }
  return { security, notes };
}

export const windowsSecurityProbe = powershellProbe("windows.security", SECURITY_SCRIPT, parseSecurityReport);
