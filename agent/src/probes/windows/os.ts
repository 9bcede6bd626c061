// Windows name, version, build, edition and release from Win32_OperatingSystem and the CurrentVersion key,
// plus the installation's MachineGuid.
// Caption is the name (exactly as reported: Windows 7's ends with a space). The registry's ProductName is
// only a fallback: Windows 11 still writes "Windows 10 Pro" there.
import type { Contribution } from "../../probe.js";
import {
  asInteger,
  asText,
  asVerbatim,
  buildScript,
  describeScriptError,
  firstObject,
  parseScriptOutput,
  parseWindowsDateTime,
  scriptErrors,
  toDateTime,
  powershellProbe,
} from "./powershell-json.js";

export const OS_SCRIPT = buildScript(String.raw`
$os = Invoke-CaveatQuery 'Win32_OperatingSystem' { Get-CimInstance -ClassName Win32_OperatingSystem | Select-Object Caption, Version, BuildNumber, CSDVersion, OSArchitecture, InstallDate, LastBootUpTime, ProductType, CSName }
$currentVersion = Invoke-CaveatQuery 'HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion' { Read-CaveatRegistryValues 'LocalMachine' 'SOFTWARE\Microsoft\Windows NT\CurrentVersion' @('EditionID', 'DisplayVersion', 'ReleaseId', 'UBR', 'CurrentBuild', 'ProductName', 'InstallationType') }
$cryptography = Invoke-CaveatQuery 'HKLM\SOFTWARE\Microsoft\Cryptography' { Read-CaveatRegistryValues 'LocalMachine' 'SOFTWARE\Microsoft\Cryptography' @('MachineGuid') }
Write-CaveatJson ([ordered]@{ os = $os; currentVersion = $currentVersion; machineGuid = $cryptography.MachineGuid })
`);

/** OSArchitecture is localised ("64-bit", "64 bits", "64-Bit", "ARM 64-bit Processor"). */
export function parseOsArchitecture(value: unknown): string | undefined {
  const text = asText(value);
  if (!text) return undefined;
  if (/arm/i.test(text)) return /64/.test(text) ? "arm64" : "arm";
  if (/64/.test(text)) return "x64";
  if (/32|86/.test(text)) return "x86";
  return undefined;
}

export function parseOsReport(text: string): Contribution {
  const document = parseScriptOutput(text, "windows.os");
  const os = firstObject(document.os);
  const registry = firstObject(document.currentVersion);
  const errors = scriptErrors(document);
  const name = asVerbatim(os.Caption) ?? asVerbatim(registry.ProductName);
  if (!name) {
    throw new Error(`neither Win32_OperatingSystem nor the CurrentVersion key could be read: ${errors.map(describeScriptError).join("; ") || "both were empty"}`);
  }
  const currentBuild = asText(registry.CurrentBuild) ?? asText(os.BuildNumber);
  const ubr = asInteger(registry.UBR);
  return {
    os: {
      name,
      version: asText(os.Version),
      // CurrentBuild.UBR is what Windows Update and the release-health pages name (19045.6456); before
      // Windows 10 there is no UBR and the build number alone is all there is.
      build: currentBuild !== undefined && ubr !== undefined ? `${currentBuild}.${ubr}` : currentBuild,
      edition: asText(registry.EditionID),
      displayVersion: asText(registry.DisplayVersion) ?? asText(registry.ReleaseId),
      servicePack: asText(os.CSDVersion),
      arch: parseOsArchitecture(os.OSArchitecture),
      installDate: toDateTime(parseWindowsDateTime(os.InstallDate)),
      lastBoot: toDateTime(parseWindowsDateTime(os.LastBootUpTime)),
    },
    endpoint: { machineId: asText(document.machineGuid) },
    notes: errors.map(describeScriptError),
  };
}

export const windowsOsProbe = powershellProbe("windows.os", OS_SCRIPT, parseOsReport);
