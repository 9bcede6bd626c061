import { describe, expect, it } from "vitest";
import type { Host } from "../../host/host.js";
import { OS_SCRIPT, parseOsArchitecture, parseOsReport, windowsOsProbe } from "./os.js";

describe("parseOsReport", () => {
  it("keeps Caption as the name although Windows 11's registry ProductName says Windows 10 (osdcloud ZBook + flutter 23H2 samples)", () => {
    const text =
      '{"os":{"Caption":"Microsoft Windows 11 Pro","Version":"10.0.22621","BuildNumber":"22621","CSDVersion":null,"OSArchitecture":"64-bit","InstallDate":"\\/Date(1690439640000)\\/","LastBootUpTime":"\\/Date(1691208201499)\\/","ProductType":1,"CSName":"HPFIREFLY16P"},' +
      '"currentVersion":{"EditionID":"Professional","DisplayVersion":"23H2","ReleaseId":"2009","UBR":2861,"CurrentBuild":"22631","ProductName":"Windows 10 Pro","InstallationType":"Client"},"machineGuid":"3f0c5a8e-1d2b-4c6f-9e7a-0b1c2d3e4f5a","errors":[]}\n';
    expect(parseOsReport(text)).toEqual({
      os: {
        name: "Microsoft Windows 11 Pro",
        version: "10.0.22621",
        build: "22631.2861",
        edition: "Professional",
        displayVersion: "23H2",
        servicePack: undefined,
        arch: "x64",
        installDate: "2023-07-27T06:34:00Z",
        lastBoot: "2023-08-05T04:03:21.499Z",
      },
      endpoint: { machineId: "3f0c5a8e-1d2b-4c6f-9e7a-0b1c2d3e4f5a" },
      notes: [],
    });
  });

  it("keeps Windows 7's trailing space and reads Get-WmiObject's CIM datetimes (glpi French Windows 7 sample)", () => {
    const text =
      '{"os":{"Caption":"Microsoft Windows 7 Professionnel ","Version":"6.1.7600","BuildNumber":"7600","CSDVersion":"","OSArchitecture":"32 bits","InstallDate":"20130813153755.000000+120","LastBootUpTime":"20130822204218.500000+120","ProductType":1,"CSName":"LUBIANKA"},' +
      '"currentVersion":{"EditionID":"Professional","DisplayVersion":null,"ReleaseId":null,"UBR":null,"CurrentBuild":"7600","ProductName":"Windows 7 Professional","InstallationType":"Client"},"machineGuid":null,"errors":[]}';
    const { os, endpoint } = parseOsReport(text);
    expect(os?.name).toBe("Microsoft Windows 7 Professionnel ");
    expect(os).toMatchObject({ version: "6.1.7600", build: "7600", arch: "x86", installDate: "2013-08-13T13:37:55Z", lastBoot: "2013-08-22T18:42:18.500Z" });
    expect(os?.displayVersion).toBeUndefined();
    expect(os?.servicePack).toBeUndefined();
    expect(endpoint?.machineId).toBeUndefined();
  });

  it("falls back to ReleaseId and reads the service pack (PowerShell docs 1703 sample; Windows 7 SP1)", () => {
    const w1703 = parseOsReport('{"os":{"Caption":"Microsoft Windows 10 Enterprise","Version":"10.0.15063","BuildNumber":"15063"},"currentVersion":{"EditionID":"Enterprise","ReleaseId":"1703","UBR":726,"CurrentBuild":"15063"},"errors":[]}');
    expect(w1703.os).toMatchObject({ build: "15063.726", displayVersion: "1703", edition: "Enterprise" });
    const sp1 = parseOsReport('{"os":{"Caption":"Microsoft Windows 7 Professional ","Version":"6.1.7601","BuildNumber":"7601","CSDVersion":"Service Pack 1"},"currentVersion":{"CurrentBuild":"7601"},"errors":[]}');
    expect(sp1.os).toMatchObject({ servicePack: "Service Pack 1", build: "7601" });
  });

  it("uses the registry ProductName when Win32_OperatingSystem failed, and says why", () => {
    const result = parseOsReport(
      '{"os":null,"currentVersion":{"EditionID":"ServerStandard","CurrentBuild":"9600","ProductName":"Windows Server 2012 R2 Standard"},"machineGuid":"e2f7a9c4","errors":[{"query":"Win32_OperatingSystem","code":"Failed","message":"Generic failure"}]}',
    );
    expect(result.os).toMatchObject({ name: "Windows Server 2012 R2 Standard", build: "9600", edition: "ServerStandard" });
    expect(result.os?.version).toBeUndefined();
    expect(result.notes).toEqual(["Win32_OperatingSystem: Failed (Generic failure)"]);
  });

  it("throws, naming the failures, when neither source could be read", () => {
    expect(() =>
      parseOsReport('{"os":null,"currentVersion":null,"machineGuid":null,"errors":[{"query":"Win32_OperatingSystem","code":"AccessDenied","message":"Access denied"},{"query":"HKLM\\\\SOFTWARE\\\\Microsoft\\\\Windows NT\\\\CurrentVersion","code":"SecurityException","message":"Requested registry access is not allowed."}]}'),
    ).toThrow(/Win32_OperatingSystem: AccessDenied .*CurrentVersion: SecurityException/);
  });

  it("takes the first object when a single instance came as a list", () => {
    expect(parseOsReport('{"os":[{"Caption":"Microsoft Windows 10 Pro","Version":"10.0.19045"}],"currentVersion":[{"CurrentBuild":"19045","UBR":6456}],"errors":[]}').os).toMatchObject({
      name: "Microsoft Windows 10 Pro",
      build: "19045.6456",
    });
  });
});

describe("parseOsArchitecture", () => {
  it("reads localised OSArchitecture values", () => {
    expect(["64-bit", "64 bits", "64-Bit", "ARM 64-bit Processor", "32-bit", "32 bits", "", null].map(parseOsArchitecture)).toEqual(["x64", "x64", "x64", "arm64", "x86", "x86", undefined, undefined]);
  });
});

describe("windowsOsProbe", () => {
  it("runs its script under its own recording key and parses the answer", async () => {
    const calls: string[][] = [];
    const host = {
      platform: "windows",
      powershell: async (key: string, script: string) => {
        calls.push([key, script]);
        return '{"os":{"Caption":"Microsoft Windows 10 Pro"},"errors":[]}\n';
      },
    } as unknown as Host;
    const result = await windowsOsProbe.run({ host, signal: new AbortController().signal });
    expect(result.os?.name).toBe("Microsoft Windows 10 Pro");
    expect(calls).toEqual([["windows.os", OS_SCRIPT]]);
    expect(OS_SCRIPT).toMatch(/Get-CimInstance -ClassName Win32_OperatingSystem \| Select-Object Caption, Version, BuildNumber, CSDVersion, OSArchitecture, InstallDate, LastBootUpTime, ProductType, CSName/);
    expect(OS_SCRIPT).toContain("'UBR'");
    expect(OS_SCRIPT).toContain("SOFTWARE\\Microsoft\\Cryptography");
  });
});
