// Store / MSIX apps from Get-AppxPackage -AllUsers, one entry per user the app is installed for.
// Frameworks, resource packages and the packages that are part of Windows itself are left out.
// Without administrator rights -AllUsers is refused: the current user's apps are read instead, and said so.
import type { SoftwareEntry } from "../../../../schemas/inventory.v1.js";
import type { Contribution } from "../../probe.js";
import { ProbeUnsupported } from "../../probe.js";
import {
  asFlag,
  asInteger,
  asObjects,
  asText,
  buildScript,
  describeScriptError,
  isDenied,
  parseScriptOutput,
  scriptErrors,
  powershellProbe,
  type JsonObject,
} from "./powershell-json.js";

export const SOFTWARE_APPX_SCRIPT = buildScript(String.raw`
if (-not (Get-Command -Name Get-AppxPackage -ErrorAction SilentlyContinue)) {
  Write-CaveatJson ([ordered]@{ unsupported = 'Get-AppxPackage is not available: this Windows has no Appx/MSIX support' })
  return
}
$scope = 'allUsers'
$packages = @(Invoke-CaveatQuery 'Get-AppxPackage -AllUsers' { Get-AppxPackage -AllUsers })
if ($caveatErrors.Count -gt 0) {
  $scope = 'currentUser'
  $packages = @(Invoke-CaveatQuery 'Get-AppxPackage' { Get-AppxPackage })
}
$rows = foreach ($p in $packages) {
  $signatureKind = $null
  if ($null -ne $p.SignatureKind) { $signatureKind = [string]$p.SignatureKind }
  $publisherDisplayName = $null
  if (-not $p.IsFramework -and -not $p.IsResourcePackage -and $signatureKind -ne 'System' -and $p.InstallLocation) {
    $publisherDisplayName = Invoke-CaveatQuery "AppxManifest.xml of $($p.PackageFullName)" { ([xml][IO.File]::ReadAllText((Join-Path $p.InstallLocation 'AppxManifest.xml'))).Package.Properties.PublisherDisplayName }
  }
  [ordered]@{
    name = $p.Name
    version = [string]$p.Version
    architecture = [string]$p.Architecture
    publisher = $p.Publisher
    publisherDisplayName = $publisherDisplayName
    isFramework = $p.IsFramework
    isResourcePackage = $p.IsResourcePackage
    signatureKind = $signatureKind
    users = @($p.PackageUserInformation | ForEach-Object { [ordered]@{ sid = [string]$_.UserSecurityId.Sid; user = [string]$_.UserSecurityId.Username; state = [string]$_.InstallState } })
  }
}
Write-CaveatJson ([ordered]@{ scope = $scope; currentUser = [Security.Principal.WindowsIdentity]::GetCurrent().Name; packages = @($rows) })
`);

// Packages signed by Windows itself before SignatureKind existed (Windows 8.1 / Server 2012 R2, Windows 10 before 1607).
const WINDOWS_PUBLISHER = /^CN=Microsoft Windows,/i;

// Windows.ApplicationModel.PackageSignatureKind / Package.Architecture as numbers, should a script not cast them.
const SIGNATURE_KINDS: Record<number, string> = { 0: "None", 1: "Developer", 2: "Enterprise", 3: "Store", 4: "System" };
const ARCHITECTURES: Record<number, string> = { 0: "x86", 5: "arm", 9: "x64", 11: "neutral", 12: "arm64" };

/** The CN of a certificate subject ("CN=Microsoft Corporation, O=Microsoft Corporation, ..."), quotes removed. */
export function commonName(subject: string | undefined): string | undefined {
  const match = /(?:^|,)\s*CN=("(?:[^"]|"")*"|[^,]*)/i.exec(subject ?? "");
  if (!match) return undefined;
  const value = match[1]!.trim();
  return (value.startsWith('"') ? value.slice(1, -1).replace(/""/g, '"') : value) || undefined;
}

function signatureKind(value: unknown): string | undefined {
  const n = asInteger(value);
  return n !== undefined ? SIGNATURE_KINDS[n] : asText(value);
}

function architecture(value: unknown): string | undefined {
  const n = asInteger(value);
  return (n !== undefined ? ARCHITECTURES[n] : asText(value))?.toLowerCase();
}

/** True for what is not an app someone installed: frameworks, resource packs, parts of Windows. */
export function isSystemPackage(pkg: JsonObject): boolean {
  if (asFlag(pkg.isFramework) === true || asFlag(pkg.isResourcePackage) === true) return true;
  const kind = signatureKind(pkg.signatureKind);
  if (kind !== undefined) return kind === "System";
  return WINDOWS_PUBLISHER.test(asText(pkg.publisher) ?? "");
}

/** PublisherDisplayName from the manifest unless it is an unresolved "ms-resource:" reference; else the certificate's CN. */
export function appxPublisher(pkg: JsonObject): string | undefined {
  const display = asText(pkg.publisherDisplayName);
  if (display && !/^ms-resource:/i.test(display)) return display;
  return commonName(asText(pkg.publisher));
}

export function mapAppxPackages(packages: JsonObject[], scope: string | undefined, currentUser: string | undefined): SoftwareEntry[] {
  const rows: SoftwareEntry[] = [];
  for (const pkg of packages) {
    const name = asText(pkg.name);
    if (!name || isSystemPackage(pkg)) continue;
    const base = { name, version: asText(pkg.version), publisher: appxPublisher(pkg), source: "appx" as const, scope: "user" as const, arch: architecture(pkg.architecture) };
    if (scope === "currentUser") {
      rows.push({ ...base, user: currentUser });
      continue;
    }
    for (const user of asObjects(pkg.users)) {
      const state = asText(user.state);
      if (state !== undefined && state !== "Installed") continue; // Staged / Paused: on disk, not installed for that user
      const account = asText(user.user);
      rows.push({ ...base, user: account && !/^unknown user$/i.test(account) ? account : asText(user.sid) });
    }
  }
  return rows;
}

export function parseSoftwareAppxReport(text: string): Contribution {
  const document = parseScriptOutput(text, "windows.software-appx");
  const unsupported = asText(document.unsupported);
  if (unsupported) throw new ProbeUnsupported(unsupported);
  const errors = scriptErrors(document);
  const scope = asText(document.scope);
  const manifestErrors = errors.filter((e) => e.query.startsWith("AppxManifest.xml"));
  const listErrors = errors.filter((e) => !manifestErrors.includes(e));
  if (scope === "currentUser" && listErrors.some((e) => e.query === "Get-AppxPackage")) {
    throw new Error(`Get-AppxPackage failed: ${listErrors.map(describeScriptError).join("; ")}`);
  }
  const notes: string[] = [];
  for (const error of listErrors) {
    notes.push(
      error.query === "Get-AppxPackage -AllUsers" && isDenied(error)
        ? `Get-AppxPackage -AllUsers needs administrator rights: only the apps of ${asText(document.currentUser) ?? "the current user"} were read`
        : describeScriptError(error),
    );
  }
  if (manifestErrors.length > 0) {
    notes.push(`${manifestErrors.length} app manifest${manifestErrors.length === 1 ? "" : "s"} could not be read; their publisher is the certificate name (first: ${describeScriptError(manifestErrors[0]!)})`);
  }
  return { software: mapAppxPackages(asObjects(document.packages), scope, asText(document.currentUser)), notes };
}

export const windowsSoftwareAppxProbe = powershellProbe("windows.software-appx", SOFTWARE_APPX_SCRIPT, parseSoftwareAppxReport);
