import { describe, expect, it } from "vitest";
import type { Host } from "../../host/host.js";
import { ProbeUnsupported } from "../../probe.js";
import { runProbe } from "../../run-probes.js";
import { appxPublisher, commonName, isSystemPackage, parseSoftwareAppxReport, SOFTWARE_APPX_SCRIPT, windowsSoftwareAppxProbe } from "./software-appx.js";

const MS = "CN=Microsoft Corporation, O=Microsoft Corporation, L=Redmond, S=Washington, C=US";
const WINDOWS = "CN=Microsoft Windows, O=Microsoft Corporation, L=Redmond, S=Washington, C=US";
const JOHN = { sid: "S-1-12-1-3027455131-1198786383-2735843234-2436812561", user: "AzureAD\\JohnDoe", state: "Installed" };
const pkg = (name: string, values: Record<string, unknown> = {}) => ({
  name, version: "1.0.0.0", architecture: "X64", publisher: MS, publisherDisplayName: null, isFramework: false, isResourcePackage: false, signatureKind: "Store", users: [JOHN], ...values,
});

describe("parseSoftwareAppxReport", () => {
  it("lists each app once per user it is installed for, with the manifest's publisher name", () => {
    const result = parseSoftwareAppxReport(
      JSON.stringify({
        scope: "allUsers",
        currentUser: "NT AUTHORITY\\SYSTEM",
        packages: [
          pkg("Microsoft.WindowsCalculator", {
            version: "11.2410.0.0",
            publisherDisplayName: "Microsoft Corporation",
            users: [JOHN, { sid: "S-1-5-21-1-2-3-1001", user: "PC\\Lenovo", state: "Installed" }, { sid: "S-1-5-18", user: "NT AUTHORITY\\SYSTEM", state: "Staged" }, { sid: "S-1-5-21-1-2-3-1009", user: "Unknown user", state: "Installed" }],
          }),
          pkg("SpotifyAB.SpotifyMusic", { version: "1.252.420.0", architecture: "X86", publisher: "CN=453637B3-4E12-4CDF-B0D3-2A3C863BF6EF", publisherDisplayName: "Spotify AB" }),
        ],
        errors: [],
      }),
    );
    expect(result.software).toEqual([
      { name: "Microsoft.WindowsCalculator", version: "11.2410.0.0", publisher: "Microsoft Corporation", source: "appx", scope: "user", arch: "x64", user: "AzureAD\\JohnDoe" },
      { name: "Microsoft.WindowsCalculator", version: "11.2410.0.0", publisher: "Microsoft Corporation", source: "appx", scope: "user", arch: "x64", user: "PC\\Lenovo" },
      { name: "Microsoft.WindowsCalculator", version: "11.2410.0.0", publisher: "Microsoft Corporation", source: "appx", scope: "user", arch: "x64", user: "S-1-5-21-1-2-3-1009" },
      { name: "SpotifyAB.SpotifyMusic", version: "1.252.420.0", publisher: "Spotify AB", source: "appx", scope: "user", arch: "x86", user: "AzureAD\\JohnDoe" },
    ]);
    expect(result.notes).toEqual([]);
  });

  it("leaves out frameworks, resource packages and packages signed as part of Windows", () => {
    const result = parseSoftwareAppxReport(
      JSON.stringify({
        scope: "allUsers",
        packages: [
          pkg("Microsoft.VCLibs.140.00", { isFramework: true }),
          pkg("Microsoft.WindowsCalculator", { isResourcePackage: true, architecture: "Neutral" }),
          pkg("Microsoft.Windows.ShellExperienceHost", { signatureKind: "System" }),
          pkg("MicrosoftWindows.Client.CBS", { signatureKind: 4 }),
          // Windows 8.1 / Server 2012 R2 (PowerShell 4.0): no SignatureKind, no IsResourcePackage.
          pkg("windows.immersivecontrolpanel", { publisher: WINDOWS, signatureKind: null, isResourcePackage: null, architecture: 11 }),
          pkg("Microsoft.BingWeather", { publisher: MS, signatureKind: null, isResourcePackage: null, architecture: 9 }),
        ],
        errors: [],
      }),
    );
    expect(result.software).toEqual([{ name: "Microsoft.BingWeather", version: "1.0.0.0", publisher: "Microsoft Corporation", source: "appx", scope: "user", arch: "x64", user: "AzureAD\\JohnDoe" }]);
  });

  it("reads the current user's apps when -AllUsers was refused, and says so", () => {
    const result = parseSoftwareAppxReport(
      JSON.stringify({
        scope: "currentUser",
        currentUser: "KIOSK-07\\operator",
        packages: pkg("Microsoft.WindowsTerminal", { version: "1.22.11141.0", publisherDisplayName: "Microsoft Corporation", users: [] }),
        errors: { query: "Get-AppxPackage -AllUsers", code: "UnauthorizedAccessException", message: "Access is denied." },
      }),
    );
    expect(result.software).toEqual([{ name: "Microsoft.WindowsTerminal", version: "1.22.11141.0", publisher: "Microsoft Corporation", source: "appx", scope: "user", arch: "x64", user: "KIOSK-07\\operator" }]);
    expect(result.notes).toEqual(["Get-AppxPackage -AllUsers needs administrator rights: only the apps of KIOSK-07\\operator were read"]);
  });

  it("sums up unreadable manifests in one note, and fails when even the current user's list failed", () => {
    const manifests = parseSoftwareAppxReport(
      JSON.stringify({
        scope: "allUsers",
        packages: [pkg("A.App"), pkg("B.App")],
        errors: [
          { query: "AppxManifest.xml of A.App_1.0.0.0_x64__abc", code: "UnauthorizedAccessException", message: "Access to the path is denied." },
          { query: "AppxManifest.xml of B.App_1.0.0.0_x64__abc", code: "FileNotFoundException", message: "Could not find file." },
        ],
      }),
    );
    expect(manifests.notes).toEqual(["2 app manifests could not be read; their publisher is the certificate name (first: AppxManifest.xml of A.App_1.0.0.0_x64__abc: UnauthorizedAccessException (Access to the path is denied.))"]);
    expect(() =>
      parseSoftwareAppxReport(JSON.stringify({ scope: "currentUser", packages: [], errors: [{ query: "Get-AppxPackage -AllUsers", code: "UnauthorizedAccessException", message: "x" }, { query: "Get-AppxPackage", code: "COMException", message: "Class not registered" }] })),
    ).toThrow(/Get-AppxPackage failed: .*COMException/);
  });

  it("is unsupported where Get-AppxPackage does not exist", () => {
    expect(() => parseSoftwareAppxReport('{"unsupported":"Get-AppxPackage is not available: this Windows has no Appx/MSIX support","errors":[]}')).toThrow(ProbeUnsupported);
  });
});

describe("publisher", () => {
  it("takes PublisherDisplayName unless it is an unresolved ms-resource, else the certificate CN", () => {
    expect(appxPublisher({ publisher: MS, publisherDisplayName: "Microsoft Corporation" })).toBe("Microsoft Corporation");
    expect(appxPublisher({ publisher: MS, publisherDisplayName: "ms-resource:PublisherDisplayName" })).toBe("Microsoft Corporation");
    expect(appxPublisher({ publisher: "CN=453637B3-4E12-4CDF-B0D3-2A3C863BF6EF", publisherDisplayName: null })).toBe("453637B3-4E12-4CDF-B0D3-2A3C863BF6EF");
    expect(commonName('O=Contoso, CN="Contoso, Ltd. ""Tools""", C=US')).toBe('Contoso, Ltd. "Tools"');
    expect(commonName("O=No common name")).toBeUndefined();
  });

  it("treats a package without SignatureKind as part of Windows only when Windows signed it", () => {
    expect(isSystemPackage({ publisher: WINDOWS, signatureKind: null })).toBe(true);
    expect(isSystemPackage({ publisher: MS, signatureKind: null })).toBe(false);
    expect(isSystemPackage({ publisher: WINDOWS, signatureKind: "Store" })).toBe(false);
  });
});

describe("windowsSoftwareAppxProbe", () => {
  it("comes out as status unsupported through the runner, with the script's reason", async () => {
    const host = { platform: "windows", powershell: async () => '{"unsupported":"Get-AppxPackage is not available: this Windows has no Appx/MSIX support","errors":[]}\n' } as unknown as Host;
    const outcome = await runProbe(windowsSoftwareAppxProbe, host, 1000);
    expect(outcome.result).toMatchObject({ id: "windows.software-appx", status: "unsupported", message: "Get-AppxPackage is not available: this Windows has no Appx/MSIX support" });
  });

  it("checks for the cmdlet before calling it, and falls back to the current user", () => {
    expect(SOFTWARE_APPX_SCRIPT.indexOf("Get-Command -Name Get-AppxPackage")).toBeLessThan(SOFTWARE_APPX_SCRIPT.indexOf("Get-AppxPackage -AllUsers"));
    expect(SOFTWARE_APPX_SCRIPT).toContain("$scope = 'currentUser'");
  });
});
