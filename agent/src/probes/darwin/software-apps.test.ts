import { describe, expect, it } from "vitest";
import { applicationOwner, applicationPublisher, parseSpApplications } from "./software-apps.js";

// Records shaped like `system_profiler -json SPApplicationsDataType` on macOS 14 (modern keys) and like the
// glpi 10.x sample (runtime_environment, has64BitIntelCode, no signing data).
const REPORT = JSON.stringify({
  SPApplicationsDataType: [
    {
      _name: "Google Chrome",
      arch_kind: "arch_arm_i64",
      lastModified: "2025-09-10T17:02:44Z",
      obtained_from: "identified_developer",
      path: "/Applications/Google Chrome.app",
      signed_by: ["Developer ID Application: Google LLC (EQHXZ8M8AV)", "Developer ID Certification Authority", "Apple Root CA"],
      version: "140.0.7339.133",
    },
    { _name: "Keynote", arch_kind: "arch_arm_i64", lastModified: "2025-07-22T15:48:26Z", obtained_from: "mac_app_store", path: "/Applications/Keynote.app", signed_by: ["Apple Mac OS Application Signing", "Apple Worldwide Developer Relations Certification Authority", "Apple Root CA"], version: "14.4" },
    { _name: "Moniteur d’activité", arch_kind: "arch_arm_i64", lastModified: "2024-03-21T06:13:23Z", obtained_from: "apple", path: "/System/Applications/Utilities/Activity Monitor.app", signed_by: ["Software Signing", "Apple Code Signing Certification Authority", "Apple Root CA"], version: "10.14" },
    { _name: "Gmail", has64BitIntelCode: "yes", lastModified: "2016-03-02T15:32:58Z", path: "/Users/teclib/Applications/Chrome Apps.localized/Default pjkljhegncpnkpknbcohdijeoejaedia.app", runtime_environment: "arch_x86", version: "8.1" },
    { _name: "autosetup", has64BitIntelCode: "yes", lastModified: "2013-08-14T13:08:21Z", path: "/Library/Printers/hp/cups/tools/autosetup.tool" },
    { _name: "  ", path: "/Applications/Broken.app" },
  ],
});

describe("parseSpApplications", () => {
  it("maps each app bundle to a software entry", () => {
    expect(parseSpApplications(REPORT)).toEqual([
      { name: "Google Chrome", version: "140.0.7339.133", publisher: "Google LLC", installedOn: "2025-09-10", source: "app", scope: "machine", user: undefined, arch: "universal" },
      { name: "Keynote", version: "14.4", publisher: "Mac App Store", installedOn: "2025-07-22", source: "app", scope: "machine", user: undefined, arch: "universal" },
      { name: "Moniteur d’activité", version: "10.14", publisher: "Apple Inc.", installedOn: "2024-03-21", source: "app", scope: "machine", user: undefined, arch: "universal" },
      { name: "Gmail", version: "8.1", publisher: undefined, installedOn: "2016-03-02", source: "app", scope: "user", user: "teclib", arch: undefined },
      { name: "autosetup", version: undefined, publisher: undefined, installedOn: "2013-08-14", source: "app", scope: "machine", user: undefined, arch: undefined },
    ]);
  });

  it("returns nothing for an empty report", () => {
    expect(parseSpApplications('{\n  "SPApplicationsDataType" : [\n\n  ]\n}\n')).toEqual([]);
  });
});

describe("applicationPublisher", () => {
  it("names the Developer ID holder without the team id, even with parentheses in the name", () => {
    expect(applicationPublisher({ signed_by: ["Developer ID Application: Foo (Europe) Ltd (AB12CD34EF)"] })).toBe("Foo (Europe) Ltd");
  });

  it("falls back to obtained_from, and knows nothing for unknown or ad-hoc signed apps", () => {
    expect(applicationPublisher({ signed_by: ["Software Signing"], obtained_from: "apple" })).toBe("Apple Inc.");
    expect(applicationPublisher({ obtained_from: "unknown" })).toBeUndefined();
    expect(applicationPublisher({ obtained_from: "identified_developer", signed_by: ["Apple Development: jdoe@example.com (QWERTY1234)"] })).toBeUndefined();
  });
});

describe("applicationOwner", () => {
  it("finds the account of a bundle under /Users, but not /Users/Shared", () => {
    expect(applicationOwner("/Users/jérôme/Applications/Visual Studio Code.app")).toBe("jérôme");
    expect(applicationOwner("/Users/Shared/Adobe/Installer.app")).toBeUndefined();
    expect(applicationOwner("/Applications/Safari.app")).toBeUndefined();
    expect(applicationOwner(undefined)).toBeUndefined();
  });
});
