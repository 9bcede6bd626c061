import { describe, expect, it } from "vitest";
import {
  asArray,
  asFlag,
  asInteger,
  asText,
  asVerbatim,
  buildScript,
  describeScriptError,
  firstObject,
  isAbsent,
  isDenied,
  parseScriptOutput,
  parseWindowsDateTime,
  parseYyyymmdd,
  scriptErrors,
  toDate,
  toDateTime,
} from "./powershell-json.js";

describe("buildScript", () => {
  it("puts the helpers first and leaves no blank line, which would end the script early under -Command -", () => {
    const script = buildScript("$a = 1\n\n   \n$b = 2\r\n\r\nWrite-CaveatJson ([ordered]@{ a = $a })\n");
    expect(script).toContain("function Invoke-CaveatQuery");
    expect(script).toContain("ConvertTo-Json -Compress -Depth 6 -InputObject");
    expect(script.split("\n").every((line) => line.trim() !== "")).toBe(true);
    expect(script.indexOf("function Write-CaveatJson")).toBeLessThan(script.indexOf("$a = 1"));
  });
});

describe("parseScriptOutput", () => {
  it("parses compact JSON with PowerShell 5.1's \\u003c / \\u0026 / \\u0027 escapes and \\/Date\\/ values", () => {
    const doc = parseScriptOutput('\uFEFF{"name":"\\u003cb\\u003eTom\\u0027s \\u0026 Co\\u003c/b\\u003e","when":"\\/Date(1700000000000)\\/"}\n', "k");
    expect(doc.name).toBe("<b>Tom's & Co</b>");
    expect(toDateTime(parseWindowsDateTime(doc.when))).toBe("2023-11-14T22:13:20Z");
  });

  it("skips lines a module printed before the JSON", () => {
    expect(parseScriptOutput('WARNING: something noisy\n{"a":1}\n', "k")).toEqual({ a: 1 });
  });

  it("names the probe and shows what was printed when there is no JSON object", () => {
    expect(() => parseScriptOutput("Get-CimInstance : Invalid class\n", "windows.os")).toThrow(/windows\.os: the PowerShell script did not print a JSON object \(printed "Get-CimInstance : Invalid class"\)/);
    expect(() => parseScriptOutput("", "windows.os")).toThrow(/printed nothing/);
    expect(() => parseScriptOutput("[1,2]", "windows.os")).toThrow(/did not print a JSON object/);
  });
});

describe("JSON shape helpers", () => {
  it("reads a list whatever ConvertTo-Json made of it", () => {
    expect(asArray(null)).toEqual([]);
    expect(asArray(undefined)).toEqual([]);
    expect(asArray({ Name: "only one" })).toEqual([{ Name: "only one" }]);
    expect(asArray([1, 2])).toEqual([1, 2]);
    expect(asArray({ value: [10], Count: 1 })).toEqual([10]);
    expect(asArray({ value: [10], Count: 1, Other: 2 })).toEqual([{ value: [10], Count: 1, Other: 2 }]);
    expect(firstObject([{ a: 1 }, { a: 2 }])).toEqual({ a: 1 });
    expect(firstObject(null)).toEqual({});
  });

  it("keeps verbatim text (trailing space) apart from trimmed text, and drops NULs and blanks", () => {
    expect(asVerbatim("Microsoft Windows 7 Professionnel ")).toBe("Microsoft Windows 7 Professionnel ");
    expect(asText("  R1AET47W (1.23 ) ")).toBe("R1AET47W (1.23 )");
    expect(asText("ABC\u0000\u0000")).toBe("ABC");
    expect(asText("   ")).toBeUndefined();
    expect(asVerbatim("  ")).toBeUndefined();
    expect(asText(6456)).toBe("6456");
    expect(asText(["a"])).toBeUndefined();
  });

  it("reads integers and flags in the forms PowerShell writes them", () => {
    expect(asInteger(1)).toBe(1);
    expect(asInteger(" 1 ")).toBe(1);
    expect(asInteger("")).toBeUndefined();
    expect(asInteger(1.5)).toBeUndefined();
    expect([true, 1, "True", "1"].map(asFlag)).toEqual([true, true, true, true]);
    expect([false, 0, "False", "0"].map(asFlag)).toEqual([false, false, false, false]);
    expect(["NotConfigured", null, 2].map(asFlag)).toEqual([undefined, undefined, undefined]);
  });
});

describe("parseWindowsDateTime", () => {
  it("reads JavaScriptSerializer dates (UTC milliseconds), with or without an offset suffix", () => {
    expect(toDateTime(parseWindowsDateTime("/Date(1690439640000)/"))).toBe("2023-07-27T06:34:00Z");
    expect(toDateTime(parseWindowsDateTime("/Date(1690439640000-0500)/"))).toBe("2023-07-27T06:34:00Z");
  });

  it("reads CIM datetimes, whose offset is minutes east of UTC", () => {
    // Get-WmiObject on the osdcloud ZBook (UTC-5): InstallDate 7/27/2023 1:34:00 AM local.
    expect(toDateTime(parseWindowsDateTime("20230727013400.000000-300"))).toBe("2023-07-27T06:34:00Z");
    expect(toDateTime(parseWindowsDateTime("20231012094512.000000-420"))).toBe("2023-10-12T16:45:12Z");
    expect(toDateTime(parseWindowsDateTime("20230804230321.499708-300"))).toBe("2023-08-05T04:03:21.499Z");
    // glpi's French Windows 7 (UTC+2).
    expect(toDateTime(parseWindowsDateTime("20130813153755.000000+120"))).toBe("2013-08-13T13:37:55Z");
    expect(toDate(parseWindowsDateTime("20230530000000.000000+000"))).toBe("2023-05-30");
  });

  it("reads ISO 8601 (pwsh 7) and takes a time without a zone as UTC", () => {
    expect(toDateTime(parseWindowsDateTime("2023-07-27T01:34:00-05:00"))).toBe("2023-07-27T06:34:00Z");
    expect(toDateTime(parseWindowsDateTime("2023-07-27T01:34:00"))).toBe("2023-07-27T01:34:00Z");
    expect(toDateTime(parseWindowsDateTime("2023-07-27T01:34:00.1234567Z"))).toBe("2023-07-27T01:34:00.123Z");
  });

  it("unwraps Get-Date's {value, DisplayHint, DateTime} object", () => {
    expect(toDate(parseWindowsDateTime({ value: "/Date(1700000000000)/", DisplayHint: 2, DateTime: "Tuesday, November 14, 2023 10:13:20 PM" }))).toBe("2023-11-14");
  });

  it("rejects junk, impossible dates and the 1601 / 1980 'no date' epochs", () => {
    for (const junk of ["", "********", "20231345094512.000000-420", "20230230000000.000000+000", "16010101000000.000000+000", "19800101000000.000000+000", "/Date(-11644473600000)/", "yesterday", "2023-02-30", 1700000000000, null]) {
      expect(parseWindowsDateTime(junk), String(junk)).toBeUndefined();
    }
  });
});

describe("parseYyyymmdd", () => {
  it("turns registry InstallDate yyyymmdd into yyyy-mm-dd, from REG_SZ or REG_DWORD", () => {
    expect(parseYyyymmdd("20230115")).toBe("2023-01-15");
    expect(parseYyyymmdd(" 20210724 ")).toBe("2021-07-24");
    expect(parseYyyymmdd(20230115)).toBe("2023-01-15");
  });

  it("drops what is not a real yyyymmdd date", () => {
    for (const junk of ["2023-13-45", "20231345", "20240230", "00000000", "0", "", "15/01/2023", "1/15/2023", "2023-01-15", "202301150", null, undefined]) {
      expect(parseYyyymmdd(junk), String(junk)).toBeUndefined();
    }
  });
});

describe("script errors", () => {
  const doc = {
    errors: [
      { query: "Win32_EncryptableVolume", code: "AccessDenied", message: "Access denied" },
      { query: "AntiVirusProduct", code: "InvalidNamespace", message: "Invalid namespace" },
      { query: "Get-AppxPackage -AllUsers", code: "UnauthorizedAccessException", message: "Access is denied." },
    ],
  };

  it("reads the errors array (one error may arrive as an object) and describes each", () => {
    expect(scriptErrors({ errors: { query: "Win32_BIOS", code: "Failed", message: "Generic failure" } })).toEqual([{ query: "Win32_BIOS", code: "Failed", message: "Generic failure" }]);
    expect(scriptErrors(doc).map(describeScriptError)).toEqual([
      "Win32_EncryptableVolume: AccessDenied (Access denied)",
      "AntiVirusProduct: InvalidNamespace (Invalid namespace)",
      "Get-AppxPackage -AllUsers: UnauthorizedAccessException (Access is denied.)",
    ]);
  });

  it("tells 'not allowed' from 'not there' by the locale-independent code", () => {
    const [bitlocker, av, appx] = scriptErrors(doc) as [never, never, never];
    expect([isDenied(bitlocker), isDenied(av), isDenied(appx)]).toEqual([true, false, true]);
    expect([isAbsent(bitlocker), isAbsent(av), isAbsent(appx)]).toEqual([false, true, false]);
  });
});
