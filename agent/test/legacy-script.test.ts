// The legacy Windows agent (agent/legacy/caveat-scan.ps1) cannot run here: there is no PowerShell. These
// tests hold it to what can be checked without one: PowerShell 2.0 compatibility (a lint that is itself
// tested), the contract names it writes, the data it shares with the Node agent, its JSON escaping, and a
// recorded Windows 7 output that must validate and decode exactly.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkInventory, type Inventory } from "../../schemas/validate.js";
import inventorySchema from "../../schemas/inventory.v1.json" with { type: "json" };
import manifest from "../../package.json" with { type: "json" };
import { classifyEndpoint } from "../src/endpoint-type.js";
import { classifyAnswer } from "../src/submit.js";
import { cleanSerial, deriveEndpointId, isPlaceholderUuid, uuidV5 } from "../src/identity.js";
import { windowsProbes } from "../src/probes/windows/index.js";
import { mapPrinters, mapUsbDevices } from "../src/probes/windows/peripherals.js";
import { mapUninstallEntry, USER_SID_PATTERN } from "../src/probes/windows/software-registry.js";

const SCRIPT = readFileSync(new URL("../legacy/caveat-scan.ps1", import.meta.url), "utf8");
const FIXTURE_URL = new URL("./fixtures/legacy/win7-pro-sp1/inventory.json", import.meta.url);
const FIXTURE_TEXT = readFileSync(FIXTURE_URL, "utf8");

/** The Windows probe ids the Node agent uses; the script must write the same ones, in this order. */
const WINDOWS_PROBE_IDS = [
  "windows.os",
  "windows.system",
  "windows.disks-network",
  "windows.software-registry",
  "windows.software-appx",
  "windows.peripherals",
  "windows.security",
];

// ---------------------------------------------------------------------------------------------------
// PowerShell 2.0 lint

interface Ps2Violation {
  rule: string;
  line: number;
  text: string;
}

/** Constructs that need PowerShell 3.0+, CLR 4 or Windows 8+, i.e. break on a stock Windows 7 SP1. */
const NEWER_THAN_PS2: { rule: string; pattern: RegExp }[] = [
  { rule: "ConvertTo-Json / ConvertFrom-Json (PowerShell 3.0)", pattern: /\bConvert(?:To|From)-Json\b/gi },
  { rule: "Invoke-RestMethod / Invoke-WebRequest (PowerShell 3.0)", pattern: /\bInvoke-(?:RestMethod|WebRequest)\b/gi },
  { rule: "CIM cmdlets such as Get-CimInstance (PowerShell 3.0)", pattern: /\b(?:Get|New|Remove|Set|Invoke|Register)-Cim[A-Za-z]+\b/gi },
  { rule: "[ordered] (PowerShell 3.0)", pattern: /\[ordered\]/gi },
  { rule: "[pscustomobject] (PowerShell 3.0)", pattern: /\[pscustomobject\]/gi },
  { rule: "-in / -notin (PowerShell 3.0)", pattern: /(?<![\w-])-[ci]?(?:not)?in\b/gi },
  { rule: "$PSItem (PowerShell 3.0)", pattern: /\$PSItem\b/gi },
  { rule: ".ForEach() / .Where() (PowerShell 4.0)", pattern: /\.(?:ForEach|Where)\s*[({]/gi },
  { rule: "::new() (PowerShell 5.0)", pattern: /::new\s*\(/gi },
  { rule: "class / enum definitions (PowerShell 5.0)", pattern: /^\s*(?:class|enum)\s+[A-Za-z_]\w*/gim },
  { rule: "-Depth (PowerShell 3.0+)", pattern: /(?<![\w-])-Depth\b/gi },
  { rule: "$PSScriptRoot (PowerShell 3.0 in scripts)", pattern: /\$PSScriptRoot\b/gi },
  { rule: "Set-StrictMode -Version 3 or Latest", pattern: /\bSet-StrictMode\s+-Version\s+(?:[3-9]|Latest)\b/gi },
  { rule: "-shl / -shr (PowerShell 3.0)", pattern: /(?<![\w-])-sh[lr]\b/gi },
  { rule: "$using: (PowerShell 3.0)", pattern: /\$using:/gi },
  { rule: "Get-Content -Raw / -NoNewline (PowerShell 3.0 / 5.0)", pattern: /(?<![\w-])-(?:Raw|NoNewline)\b/gi },
  { rule: "Where-Object simplified syntax (PowerShell 3.0)", pattern: /\bWhere-Object\s+(?!-FilterScript\b)-?[A-Za-z_]\w*\s+-[ci]?(?:eq|ne|like|notlike|match|notmatch|gt|ge|lt|le|contains)\b/gi },
  { rule: ".NET 4 API on CLR 2 (IsNullOrWhiteSpace, OpenBaseKey, Is64Bit*, HasFlag, ReadLines, HttpClient, Tuple)", pattern: /\b(?:IsNullOrWhiteSpace|OpenBaseKey|Is64BitOperatingSystem|Is64BitProcess|HasFlag|ReadLines|HttpClient|Tuple)\b/gi },
  { rule: "SecurityProtocolType]::Tls12 (.NET 4.5; cast 3072 instead)", pattern: /SecurityProtocolType\]::Tls1[123]\b/gi },
  { rule: "Windows 8+ cmdlets (NetTCPIP, NetSecurity, BitLocker, Defender, Appx, Storage modules)", pattern: /\bGet-(?:Net[A-Za-z]+|BitLockerVolume|MpComputerStatus|AppxPackage|ScheduledTask|PhysicalDisk|Disk|Volume)\b/gi },
];

/**
 * Blanks comments (keeping line breaks) so that documentation may name what the code must not use.
 * `code` keeps string contents (a string can hold a subexpression); `structure` also blanks them so that
 * braces and parentheses inside strings do not confuse block matching. Both keep every offset.
 */
function maskPowerShell(source: string): { code: string; structure: string } {
  const code: string[] = [];
  const structure: string[] = [];
  const blank = (ch: string) => (ch === "\n" || ch === "\r" ? ch : " ");
  const keep = (from: number, to: number, inString: boolean) => {
    for (let j = from; j < to; j++) {
      const ch = source[j]!;
      code.push(ch);
      structure.push(inString ? blank(ch) : ch);
    }
  };
  const drop = (from: number, to: number) => {
    for (let j = from; j < to; j++) {
      code.push(blank(source[j]!));
      structure.push(blank(source[j]!));
    }
  };
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    const prev = i === 0 ? "\n" : source[i - 1]!;
    if (source.startsWith("<#", i)) {
      const end = source.indexOf("#>", i + 2);
      const stop = end === -1 ? source.length : end + 2;
      drop(i, stop);
      i = stop;
    } else if (ch === "#" && /[\s;(){}|&]/.test(prev)) {
      let stop = source.indexOf("\n", i);
      if (stop === -1) stop = source.length;
      drop(i, stop);
      i = stop;
    } else if ((source.startsWith("@'", i) || source.startsWith('@"', i)) && /^@['"][ \t]*\r?\n/.test(source.slice(i, i + 8))) {
      const quote = source[i + 1]!;
      const close = new RegExp(`\\r?\\n${quote}@`, "g");
      close.lastIndex = i + 2;
      const match = close.exec(source);
      const stop = match ? match.index + match[0].length : source.length;
      keep(i, i + 2, false);
      keep(i + 2, stop - 2, true);
      keep(stop - 2, stop, false);
      i = stop;
    } else if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < source.length) {
        if (ch === '"' && source[j] === "`") j += 2;
        else if (source[j] === ch && source[j + 1] === ch) j += 2;
        else if (source[j] === ch) break;
        else j++;
      }
      keep(i, i + 1, false);
      keep(i + 1, Math.min(j, source.length), true);
      if (j < source.length) keep(j, j + 1, false);
      i = j + 1;
    } else {
      keep(i, i + 1, false);
      i++;
    }
  }
  return { code: code.join(""), structure: structure.join("") };
}

function matchingClose(structure: string, open: number, openChar: string, closeChar: string): number {
  let depth = 0;
  for (let i = open; i < structure.length; i++) {
    if (structure[i] === openChar) depth++;
    else if (structure[i] === closeChar && --depth === 0) return i;
  }
  return structure.length;
}

/** The `{...}` ranges of `if`/`elseif` blocks whose condition requires PowerShell 3 or later. */
function versionGuardedRanges(source: string): [number, number][] {
  const { code, structure } = maskPowerShell(source);
  const ranges: [number, number][] = [];
  for (const match of structure.matchAll(/\b(?:if|elseif)\s*\(/gi)) {
    const open = match.index + match[0].length - 1;
    const close = matchingClose(structure, open, "(", ")");
    const condition = code.slice(open, close + 1);
    if (!/\$PSVersionTable\.PSVersion\.Major\s+-(?:ge\s+[3-9]|gt\s+[2-9])\b/i.test(condition)) continue;
    const brace = structure.slice(close + 1).search(/\S/);
    if (brace === -1 || structure[close + 1 + brace] !== "{") continue;
    const start = close + 1 + brace;
    ranges.push([start, matchingClose(structure, start, "{", "}")]);
  }
  return ranges;
}

/** Every construct newer than PowerShell 2.0 / CLR 2 outside a version-guarded block. */
function findNewerThanPs2(source: string, options: { honourGuards?: boolean } = {}): Ps2Violation[] {
  const { code } = maskPowerShell(source);
  const guarded = options.honourGuards === false ? [] : versionGuardedRanges(source);
  const lineAt = (offset: number) => source.slice(0, offset).split("\n").length;
  const violations: Ps2Violation[] = [];
  for (const { rule, pattern } of NEWER_THAN_PS2) {
    for (const match of code.matchAll(pattern)) {
      if (guarded.some(([from, to]) => match.index >= from && match.index <= to)) continue;
      violations.push({ rule, line: lineAt(match.index), text: match[0].trim() });
    }
  }
  // `#requires -Version 3` is a comment to the parser but a hard requirement to PowerShell.
  for (const match of source.matchAll(/^#requires\s+-version\s+([3-9])/gim)) {
    violations.push({ rule: "#requires -Version 3+", line: lineAt(match.index), text: match[0] });
  }
  return violations.sort((a, b) => a.line - b.line);
}

describe("PowerShell 2.0 lint (the checker itself)", () => {
  const rulesOf = (snippet: string) => findNewerThanPs2(snippet).map((v) => v.rule);
  const bad: [string, string][] = [
    ["$json = $doc | ConvertTo-Json -Depth 5", "ConvertTo-Json / ConvertFrom-Json (PowerShell 3.0)"],
    ["$doc = Get-Content x.json | ConvertFrom-Json", "ConvertTo-Json / ConvertFrom-Json (PowerShell 3.0)"],
    ["Invoke-RestMethod -Uri $url -Method Post -Body $json", "Invoke-RestMethod / Invoke-WebRequest (PowerShell 3.0)"],
    ["$r = Invoke-WebRequest $url", "Invoke-RestMethod / Invoke-WebRequest (PowerShell 3.0)"],
    ["$os = Get-CimInstance Win32_OperatingSystem", "CIM cmdlets such as Get-CimInstance (PowerShell 3.0)"],
    ["$o = [ordered]@{ a = 1 }", "[ordered] (PowerShell 3.0)"],
    ["$o = [PSCustomObject]@{ a = 1 }", "[pscustomobject] (PowerShell 3.0)"],
    ["if ($x -in @(1, 2)) { }", "-in / -notin (PowerShell 3.0)"],
    ["if ($x -notin $list) { }", "-in / -notin (PowerShell 3.0)"],
    ["$list | ForEach-Object { $PSItem.Name }", "$PSItem (PowerShell 3.0)"],
    ["$list.ForEach({ $_ })", ".ForEach() / .Where() (PowerShell 4.0)"],
    ["$big = $list.Where({ $_.Size -gt 1 })", ".ForEach() / .Where() (PowerShell 4.0)"],
    ["$sb = [System.Text.StringBuilder]::new()", "::new() (PowerShell 5.0)"],
    ["class Probe { [string]$Id }", "class / enum definitions (PowerShell 5.0)"],
    ["Get-ChildItem C:\\ -Recurse -Depth 2", "-Depth (PowerShell 3.0+)"],
    ["$dir = $PSScriptRoot", "$PSScriptRoot (PowerShell 3.0 in scripts)"],
    ["Set-StrictMode -Version Latest", "Set-StrictMode -Version 3 or Latest"],
    ["Set-StrictMode -Version 3.0", "Set-StrictMode -Version 3 or Latest"],
    ["$v = $a -shl 10", "-shl / -shr (PowerShell 3.0)"],
    ["$t = Get-Content $f -Raw", "Get-Content -Raw / -NoNewline (PowerShell 3.0 / 5.0)"],
    ["Get-Service | Where-Object Status -eq 'Running'", "Where-Object simplified syntax (PowerShell 3.0)"],
    ["if ([string]::IsNullOrWhiteSpace($s)) { }", ".NET 4 API on CLR 2 (IsNullOrWhiteSpace, OpenBaseKey, Is64Bit*, HasFlag, ReadLines, HttpClient, Tuple)"],
    ["[Environment]::Is64BitOperatingSystem", ".NET 4 API on CLR 2 (IsNullOrWhiteSpace, OpenBaseKey, Is64Bit*, HasFlag, ReadLines, HttpClient, Tuple)"],
    ["[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12", "SecurityProtocolType]::Tls12 (.NET 4.5; cast 3072 instead)"],
    ["Get-NetFirewallProfile | Select-Object Name, Enabled", "Windows 8+ cmdlets (NetTCPIP, NetSecurity, BitLocker, Defender, Appx, Storage modules)"],
    ["#Requires -Version 3.0", "#requires -Version 3+"],
  ];

  it.each(bad)("flags %s", (snippet, rule) => {
    expect(rulesOf(snippet)).toContain(rule);
  });

  it("flags a construct on its line number", () => {
    expect(findNewerThanPs2("$a = 1\n\n$b = [ordered]@{}\n")).toEqual([{ rule: "[ordered] (PowerShell 3.0)", line: 3, text: "[ordered]" }]);
  });

  it("accepts PowerShell 2.0 look-alikes", () => {
    const fine = [
      "Get-ChildItem -Include *.json -Recurse",
      "Write-Output -InputObject $x",
      "$items = @($a | ForEach-Object { $_.Name })",
      "$list | Where-Object { $_.Status -eq 'Running' }",
      "if ($names -contains $x) { }",
      "$h = New-Object System.Collections.Specialized.OrderedDictionary",
      "Get-WmiObject -Class Win32_OperatingSystem",
      "$raw = $x.RawValue; $depth = 2; $inner = $e.InnerException",
      "[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]3072",
      "$path = Split-Path -Parent $MyInvocation.MyCommand.Path",
      "Set-StrictMode -Version 2.0",
      "Write-Log 'INFO' 'check-in done'",
    ];
    for (const snippet of fine) expect(findNewerThanPs2(snippet), snippet).toEqual([]);
  });

  it("ignores comments, including block comments that document what is not used", () => {
    expect(findNewerThanPs2("# PowerShell 2.0 has no ConvertTo-Json\n$x = 1")).toEqual([]);
    expect(findNewerThanPs2("<#\n  No Invoke-RestMethod, no [ordered], no $PSScriptRoot here.\n#>\n$x = 1")).toEqual([]);
    expect(findNewerThanPs2("$x = 1 # not [ordered]")).toEqual([]);
  });

  it("does not mistake a # inside a string for a comment", () => {
    expect(rulesOf("$s = 'a#b'; $o = [ordered]@{}")).toContain("[ordered] (PowerShell 3.0)");
    expect(rulesOf('$s = "#"; $o = [ordered]@{}')).toContain("[ordered] (PowerShell 3.0)");
  });

  it("allows newer constructs inside a block guarded by a PowerShell version check", () => {
    const guarded = [
      "if ($PSVersionTable.PSVersion.Major -ge 3) {",
      "    $os = Get-CimInstance Win32_OperatingSystem",
      "    $o = [ordered]@{ caption = '}' }",
      "}",
    ].join("\n");
    expect(findNewerThanPs2(guarded)).toEqual([]);
    expect(findNewerThanPs2(guarded, { honourGuards: false }).map((v) => v.line)).toEqual([2, 3]);
  });

  it("still flags the else branch, a guard that runs on 2.0, and code after the guarded block", () => {
    const elseBranch = "if ($PSVersionTable.PSVersion.Major -ge 3) { $a = 1 } else { $o = [ordered]@{} }";
    expect(rulesOf(elseBranch)).toEqual(["[ordered] (PowerShell 3.0)"]);
    const wrongWay = "if ($PSVersionTable.PSVersion.Major -lt 3) { $o = [ordered]@{} }";
    expect(rulesOf(wrongWay)).toEqual(["[ordered] (PowerShell 3.0)"]);
    const after = "if ($PSVersionTable.PSVersion.Major -ge 3) { $a = '{' }\n$o = [ordered]@{}";
    expect(findNewerThanPs2(after).map((v) => v.line)).toEqual([2]);
  });
});

describe("agent/legacy/caveat-scan.ps1 is PowerShell 2.0 code", () => {
  it("uses nothing newer than PowerShell 2.0 / CLR 2 outside a version-guarded block", () => {
    expect(findNewerThanPs2(SCRIPT)).toEqual([]);
  });

  it("keeps its one newer feature (Get-AppxPackage, Windows 8+) behind the version check", () => {
    const unguarded = findNewerThanPs2(SCRIPT, { honourGuards: false }).map((v) => v.text);
    expect(unguarded.length).toBeGreaterThan(0);
    expect(new Set(unguarded)).toEqual(new Set(["Get-AppxPackage"]));
  });

  it("is plain ASCII, because PowerShell 2.0 reads a script without BOM in the ANSI code page", () => {
    const offending = [...SCRIPT].map((ch, i) => ({ ch, i })).filter(({ ch }) => ch.charCodeAt(0) > 0x7e && ch !== "\u00a0");
    expect(offending.map(({ i }) => SCRIPT.slice(0, i).split("\n").length)).toEqual([]);
    expect(SCRIPT.charCodeAt(0)).not.toBe(0xfeff);
  });

  it("has CRLF line ends, so that Notepad on Windows 7 shows it properly (agent/legacy/.gitattributes keeps them)", () => {
    expect(SCRIPT.match(/\r\n/g)?.length).toBe(SCRIPT.match(/\n/g)?.length);
    expect(SCRIPT).not.toMatch(/\r(?!\n)/);
  });

  it("takes its parameters without prompting and documents usage, exit codes and the schtasks line", () => {
    expect(SCRIPT).not.toMatch(/\b(?:Read-Host|Get-Credential)\b|\[Parameter\([^)]*Mandatory/i);
    for (const parameter of ["OutFile", "Client", "SubmitUrl", "Token", "SpoolDir", "LogFile"]) expect(SCRIPT).toMatch(new RegExp(`\\[string\\]\\$${parameter}\\b`));
    expect(SCRIPT).toContain('schtasks /Create /SC DAILY /RU SYSTEM /TN "caveat scan" /TR "powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\\...\\caveat-scan.ps1"');
    expect(SCRIPT).toMatch(/\$ExitOk = 0\s+\$ExitSpooled = 1\s+\$ExitUsage = 2\s+\$ExitNotWritten = 3/);
    expect(SCRIPT).toContain("[System.Net.SecurityProtocolType]($current -bor 3072)");
    expect(SCRIPT).toContain("$MyInvocation.MyCommand.Path");
  });
});

// ---------------------------------------------------------------------------------------------------
// Contract names and data shared with the Node agent

/** A PowerShell @('a', 'b') array literal (single-quoted strings) assigned to $Name. */
function psStringArray(name: string): string[] {
  const body = new RegExp(`^\\$${name} = @\\(([\\s\\S]*?)\\)\\r?$`, "m").exec(SCRIPT)?.[1];
  if (body === undefined) throw new Error(`$${name} not found in the script`);
  return [...body.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replace(/''/g, "'"));
}

/** A PowerShell @{ 3 = 'desktop'; ... } literal with integer keys. */
function psIntTable(name: string): Map<number, string> {
  const body = (new RegExp(`^\\$${name} = @\\{([^\\r\\n]*)\\}\\r?$`, "m").exec(SCRIPT) ?? new RegExp(`^\\$${name} = @\\{\\r?\\n([\\s\\S]*?)^\\}`, "m").exec(SCRIPT))?.[1];
  if (body === undefined) throw new Error(`$${name} not found in the script`);
  return new Map([...body.matchAll(/\b(0x[0-9A-Fa-f]+|\d+)\s*=\s*'((?:[^']|'')*)'/g)].map((m) => [Number(m[1]), m[2]!.replace(/''/g, "'")]));
}

function psString(name: string): string {
  const value = new RegExp(`^\\$${name} = '((?:[^']|'')*)'\\r?$`, "m").exec(SCRIPT)?.[1];
  if (value === undefined) throw new Error(`$${name} not found in the script`);
  return value.replace(/''/g, "'");
}

describe("the script writes the Node agent's contract", () => {
  it("runs the Windows probes under the Node agent's ids, in order", () => {
    const ids = [...SCRIPT.matchAll(/^Invoke-Probe '([^']+)'/gm)].map((m) => m[1]);
    expect(ids).toEqual(WINDOWS_PROBE_IDS);
    const pattern = new RegExp((inventorySchema.$defs.ProbeResult.properties.id as { pattern: string }).pattern);
    for (const id of ids) expect(id).toMatch(pattern);
  });

  it.skipIf(windowsProbes.length === 0)("uses exactly the ids of the Windows probes registered in agent/src/probes/windows", () => {
    expect([...WINDOWS_PROBE_IDS].sort()).toEqual(windowsProbes.map((p) => p.id).sort());
  });

  it('writes schema "caveat.inventory/v1" and agent name "caveat-legacy-ps" at the package version', () => {
    expect(psString("SchemaName")).toBe(inventorySchema.properties.schema.const);
    expect(psString("AgentName")).toBe("caveat-legacy-ps");
    expect(inventorySchema.$defs.Agent.properties.name.enum).toContain(psString("AgentName"));
    expect(SCRIPT).toContain("$Document['schema'] = $SchemaName");
    expect(SCRIPT).toContain("$agentInfo['name'] = $AgentName");
    expect(psString("ScriptVersion")).toBe(manifest.version);
  });

  it("reports only probe statuses the contract knows", () => {
    const statuses = new Set([...SCRIPT.matchAll(/\$status = '(\w+)'/g)].map((m) => m[1]));
    expect([...statuses].sort()).toEqual(["error", "ok", "unsupported"]);
    for (const status of statuses) expect(inventorySchema.$defs.ProbeResult.properties.status.enum).toContain(status);
  });

  it("maps every SMBIOS chassis type like agent/src/endpoint-type.ts", () => {
    const table = psIntTable("ChassisTypeMap");
    for (let code = 0; code <= 40; code++) expect(table.get(code) ?? "other", `chassis type ${code}`).toBe(classifyEndpoint({ chassisTypes: [code] }));
  });

  it("recognises the same hypervisor markers as agent/src/endpoint-type.ts", () => {
    const markers = psStringArray("VirtualMarkers").map((p) => new RegExp(p, "i"));
    const names = ["QEMU", "VMware, Inc.", "VMware Virtual Platform", "innotek GmbH", "VirtualBox", "Xen", "HVM domU", "KVM", "Bochs", "Parallels Software International Inc.", "Virtual Machine", "Amazon EC2", "Google Compute Engine", "OpenStack Foundation", "Proxmox", "Dell Inc.", "HP", "LENOVO", "Microsoft Corporation", "OptiPlex 790", "Virtual Desktop Co"];
    for (const name of names) expect(markers.some((re) => re.test(name.trim())), name).toBe(classifyEndpoint({ manufacturer: name }) === "virtual");
  });

  it("treats the same firmware placeholders as agent/src/identity.ts", () => {
    const serials = psStringArray("PlaceholderSerials");
    const identitySource = readFileSync(new URL("../src/identity.ts", import.meta.url), "utf8");
    const nodeSerials = [...(/PLACEHOLDER_SERIALS = new Set\(\s*\[([\s\S]*?)\]/.exec(identitySource)?.[1] ?? "").matchAll(/"([^"]*)"/g)].map((m) => m[1]);
    expect(serials).toEqual(nodeSerials);
    for (const serial of serials) expect(cleanSerial(serial), serial).toBeUndefined();
    for (const uuid of psStringArray("PlaceholderUuids")) expect(isPlaceholderUuid(uuid), uuid).toBe(true);
  });

  it("derives endpoint ids in the caveat UUID namespace", () => {
    const namespace = psString("CaveatNamespace");
    expect(uuidV5("machine-id:x", namespace)).toBe(uuidV5("machine-id:x"));
    for (const prefix of ["machine-id:", "serial:", "hostname:"]) expect(SCRIPT).toContain(`New-UuidV5 ('${prefix}'`);
  });
});

/** The initializer of `const NAME` in one of the Node agent's Windows probe files, as source text. */
function nodeConst(file: string, name: string): string {
  const source = readFileSync(new URL(`../src/probes/windows/${file}`, import.meta.url), "utf8");
  const match = new RegExp(`const ${name}(?::[^=]+)? = ([\\s\\S]*?);\\r?\\n`).exec(source);
  if (!match) throw new Error(`${name} not found in agent/src/probes/windows/${file}`);
  return match[1]!;
}
const regexSources = (text: string) => [...text.matchAll(/\/((?:\\.|[^/\\\n])+)\/i/g)].map((m) => m[1]!);
const recordEntries = (text: string) => [...text.matchAll(/"?([\w-]+)"?:\s*"([^"]*)"/g)].map((m) => [m[1]!, m[2]!] as const);

describe("the script applies the Node Windows probes' rules (agent/src/probes/windows)", () => {
  it("classifies by PCSystemType like system.ts", () => {
    expect([...psIntTable("PcSystemTypeMap")].map(([k, v]) => [String(k), v])).toEqual(recordEntries(nodeConst("system.ts", "PC_SYSTEM_TYPES")));
  });

  it("recognises virtual disks and adapters like disks-network.ts", () => {
    expect(psString("VirtualDiskModels")).toBe(regexSources(nodeConst("disks-network.ts", "VIRTUAL_DISK_MODELS"))[0]);
    expect(psString("VirtualAdapters")).toBe(regexSources(nodeConst("disks-network.ts", "VIRTUAL_ADAPTERS"))[0]);
  });

  it("names USB vendors and skips generic manufacturers like peripherals.ts", () => {
    const body = new RegExp("^\\$UsbVendors = @\\{([\\s\\S]*?)^\\}", "m").exec(SCRIPT)?.[1] ?? "";
    const script = [...body.matchAll(/'([0-9a-f]{4})' = '([^']*)'/g)].map((m) => [m[1]!, m[2]!] as const);
    expect(script).toEqual(recordEntries(nodeConst("peripherals.ts", "USB_VENDORS")));
    expect(psString("GenericManufacturer")).toBe(regexSources(nodeConst("peripherals.ts", "GENERIC_MANUFACTURER"))[0]);
  });

  it("leaves out the same software printers as peripherals.ts", () => {
    expect(psStringArray("SoftwarePrinterDrivers")).toEqual(regexSources(nodeConst("peripherals.ts", "SOFTWARE_PRINTER_DRIVERS")));
    expect(psStringArray("SoftwarePrinterPorts")).toEqual(regexSources(nodeConst("peripherals.ts", "SOFTWARE_PRINTER_PORTS")));
    expect(psStringArray("SoftwarePrinterNames")).toEqual(regexSources(nodeConst("peripherals.ts", "SOFTWARE_PRINTER_NAMES")));
  });

  it("reads the same user hives and skips the same update entries as software-registry.ts", () => {
    expect(psString("UserSidPattern")).toBe(USER_SID_PATTERN);
    expect(psStringArray("UpdateReleaseTypes")).toEqual([...nodeConst("software-registry.ts", "UPDATE_RELEASE_TYPES").matchAll(/"([^"]*)"/g)].map((m) => m[1]));
    expect(SCRIPT).toContain("'per-user software not read for ' + $who.Count + ' profile' + $plural + ' whose registry hive is not loaded (user signed out): '");
  });

  it("names BitLocker methods like security.ts", () => {
    expect([...psIntTable("EncryptionMethods")].map(([k, v]) => [String(k), v])).toEqual(recordEntries(nodeConst("security.ts", "ENCRYPTION_METHODS")));
  });
});

// ---------------------------------------------------------------------------------------------------
// JSON escaping: the table is read from the script

interface EscapeRules {
  table: Map<number, string>;
  needsEscape: RegExp;
}

function escapeRulesFromScript(): EscapeRules {
  const table = psIntTable("JsonEscapeTable");
  const loop = /^for \(\$code = 0; \$code -lt (0x[0-9A-Fa-f]+); \$code\+\+\) \{ \$JsonEscapeTable\[\$code\] = \('([^']*)' -f \$code\) \}/m.exec(SCRIPT);
  if (!loop) throw new Error("control-character loop not found in the script");
  const format = loop[2]!;
  for (let code = 0; code < Number(loop[1]); code++) table.set(code, formatHex(format, code));
  return { table, needsEscape: new RegExp(psString("JsonNeedsEscape")) };
}

/** PowerShell's -f with one {0:x4} / {0:X4} placeholder. */
function formatHex(format: string, value: number): string {
  return format.replace(/\{0:([xX])(\d+)\}/, (_, x: string, width: string) => {
    const hex = value.toString(16).padStart(Number(width), "0");
    return x === "X" ? hex.toUpperCase() : hex;
  });
}

/** ConvertTo-JsonStringLiteral, transcribed: table escapes, surrogate pairs kept, lone surrogates escaped. */
function escapeLikeScript(rules: EscapeRules, text: string): string {
  if (!rules.needsEscape.test(text)) return `"${text}"`;
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const escape = rules.table.get(code);
    const next = text.charCodeAt(i + 1);
    if (escape !== undefined) out += escape;
    else if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += text[i]! + text[i + 1]!;
      i++;
    } else if (code >= 0xd800 && code <= 0xdfff) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += text[i]!;
  }
  return `${out}"`;
}

const isPresent = (value: unknown) => value !== null && value !== undefined && (typeof value !== "string" || value.trim() !== "");

/** Rows without their undefined fields, as they appear in a document. */
function compactRows<T extends object>(rows: T[]): T[] {
  return rows.map((row) => Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined)) as T);
}

/** Write-JsonValue / ConvertTo-JsonDocument, transcribed: two-space indent, absent values left out, final LF. */
function serializeLikeScript(rules: EscapeRules, value: unknown, indent = ""): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return escapeLikeScript(rules, value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    const items = value.filter(isPresent);
    if (items.length === 0) return "[]";
    return `[\n${items.map((item) => inner + serializeLikeScript(rules, item, inner)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => isPresent(v));
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, v]) => `${inner}${escapeLikeScript(rules, k)}: ${serializeLikeScript(rules, v, inner)}`).join(",\n")}\n${indent}}`;
}

describe("the script submits like the Node agent", () => {
  it("treats exactly the statuses the Node agent treats as permanent as permanent (the rest are retried)", () => {
    const listed = /\$PermanentStatuses = @\(([\d, ]+)\)/.exec(SCRIPT)![1]!.split(",").map((n) => Number(n.trim()));
    for (let status = 400; status < 600; status++) {
      const node = classifyAnswer({ status, text: "", now: new Date() }).outcome;
      // The script only lists the statuses the collector sends; any other 4xx it retries (harmless).
      if (listed.includes(status)) expect(node, String(status)).toBe("permanent");
      if (node === "temporary") expect(listed, String(status)).not.toContain(status);
    }
    expect(listed).toEqual(expect.arrayContaining([400, 401, 403, 404, 409, 413, 415]));
  });

  it("moves permanently refused scans aside instead of stopping at them, and bounds the spool", () => {
    expect(SCRIPT).toMatch(/if \(\$result -eq 'rejected'\) \{ Move-ToRejected /);
    expect(SCRIPT).toMatch(/if \(\$result -eq 'retry'\) \{ break \}/);
    expect(SCRIPT).toMatch(/\$MaxSpooled = 200/);
  });
});

describe("JSON escaping in the script", () => {
  const rules = escapeRulesFromScript();

  it("escapes quote, backslash, every control character and U+2028/U+2029, nothing else", () => {
    const expected = new Map<number, string>([
      [0x22, '\\"'],
      [0x5c, "\\\\"],
      [0x2028, "\\u2028"],
      [0x2029, "\\u2029"],
    ]);
    for (let code = 0; code < 0x20; code++) expected.set(code, `\\u${code.toString(16).padStart(4, "0")}`);
    expect(new Map([...rules.table].sort(([a], [b]) => a - b))).toEqual(new Map([...expected].sort(([a], [b]) => a - b)));
    expect(rules.table.get(0x09)).toBe("\\u0009");
    expect(rules.table.get(0x2f)).toBeUndefined(); // "/" needs no escape
    expect(rules.table.get(0x3c)).toBeUndefined(); // "<" is data; the report escapes HTML
  });

  it("takes the fast path exactly for strings that need no escape", () => {
    for (let code = 0; code <= 0xffff; code++) {
      const needs = rules.table.has(code) || (code >= 0xd800 && code <= 0xdfff);
      if (rules.needsEscape.test(String.fromCharCode(code)) !== needs) throw new Error(`fast path disagrees with the table at U+${code.toString(16)}`);
    }
  });

  it("writes strings that JSON.parse turns back into the original text", () => {
    const samples = [
      'C:\\Program Files\\"Quoted"\\',
      "tab\there, newline\nthere, CR\r, NUL\u0000, ESC\u001b[0m, DEL\u007f",
      "line\u2028separator\u2029paragraph",
      "Müller & Söhne, Heindörfer, 日本語, emoji \u{1f600}",
      "<script>alert('x')</script>",
      "lone \ud800 high and \udc00 low surrogates",
    ];
    for (const sample of samples) {
      const literal = escapeLikeScript(rules, sample);
      expect(literal).not.toMatch(/[\u0000-\u001f\u2028\u2029]/);
      expect(JSON.parse(literal)).toBe(sample);
    }
    expect(escapeLikeScript(rules, 'a"b\\c\td')).toBe('"a\\"b\\\\c\\u0009d"');
  });
});

// ---------------------------------------------------------------------------------------------------
// Recorded output: Windows 7 Professional SP1

describe("fixture legacy/win7-pro-sp1 (what the script writes on Windows 7 Professional SP1)", () => {
  const inventory = JSON.parse(FIXTURE_TEXT) as Inventory;
  const rules = escapeRulesFromScript();

  it("follows caveat.inventory/v1", () => {
    expect(checkInventory(inventory, FIXTURE_TEXT)).toEqual([]);
    expect(inventory.schema).toBe("caveat.inventory/v1");
    expect(inventory.agent.name).toBe("caveat-legacy-ps");
  });

  it("is laid out and escaped byte for byte as the script's serializer writes it", () => {
    expect(FIXTURE_TEXT.charCodeAt(0)).not.toBe(0xfeff);
    expect(FIXTURE_TEXT).not.toContain("\r");
    expect(serializeLikeScript(rules, inventory) + "\n").toBe(FIXTURE_TEXT);
    // Every string token, key or value, is exactly what ConvertTo-JsonStringLiteral makes of its value.
    for (const match of FIXTURE_TEXT.matchAll(/"(?:[^"\\]|\\.)*"/g)) expect(escapeLikeScript(rules, JSON.parse(match[0]) as string)).toBe(match[0]);
  });

  it("keeps the Windows 7 OS facts exactly as reported", () => {
    expect(inventory.os).toEqual({
      platform: "windows",
      name: "Microsoft Windows 7 Professional ",
      version: "6.1.7601",
      build: "7601",
      edition: "Professional",
      servicePack: "Service Pack 1",
      arch: "x64",
      installDate: "2012-03-14T08:52:41Z",
      lastBoot: "2026-11-23T06:58:12Z",
    });
    expect(inventory.os).not.toHaveProperty("displayVersion");
    expect(inventory.collectedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it("identifies the Dell by its SMBIOS UUID and service tag, as the Node agent would", () => {
    const { endpoint } = inventory;
    expect(endpoint.serial).toBe("8Q4JVR1");
    expect(endpoint.manufacturer).toBe("Dell Inc.");
    expect(endpoint.type).toBe("desktop");
    const derived = deriveEndpointId({ uuid: endpoint.uuid, machineId: endpoint.machineId, manufacturer: endpoint.manufacturer, serial: endpoint.serial, hostname: endpoint.hostname, platform: "windows" });
    expect({ id: endpoint.id, idSource: endpoint.idSource }).toEqual(derived);
    expect(derived.idSource).toBe("smbios-uuid");
  });

  it("lists machine and per-user software from the Uninstall keys, without components or hotfixes", () => {
    expect(inventory.software).toContainEqual({ name: "Microsoft Office Professional Plus 2010", version: "14.0.6029.1000", publisher: "Microsoft Corporation", source: "registry", scope: "machine", arch: "x86" });
    expect(inventory.software).toContainEqual({ name: "Java(TM) 6 Update 31", version: "6.0.310", publisher: "Oracle", installedOn: "2012-02-20", source: "msi", scope: "machine", arch: "x86" });
    const names = inventory.software.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(["Adobe Flash Player 11 Plugin", "Adobe Reader X (10.1.2)", "Dropbox"]));
    // SystemComponent=1 (Adobe AIR, Java Auto Updater), ParentKeyName (Office SP1) and KB keys are left out.
    for (const skipped of ["Adobe AIR", "Java Auto Updater", "Microsoft Office 2010 Service Pack 1 (SP1)", "Security Update for Windows XP (KB2079403)"]) expect(names).not.toContain(skipped);
    expect(inventory.software.filter((s) => s.scope === "user").every((s) => s.user === "CONTOSO\\j.müller")).toBe(true);
  });

  it("sorts software as the script does (ordinal, case-insensitive: name, version, user)", () => {
    type Row = Inventory["software"][number];
    const fullKey = (s: Row) => [s.name.toLowerCase(), s.version ?? "", s.scope, s.user ?? "", s.source, s.arch ?? ""].join("\u0000");
    const key = (s: Row) => [s.name.toLowerCase(), s.version ?? "", s.user ?? "", fullKey(s)].join("\u0000").toUpperCase();
    const keys = inventory.software.map(key);
    expect(keys).toEqual([...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(inventory.software.map(fullKey)).size).toBe(keys.length);
  });

  it("holds what the Node agent's mappers make of the same Uninstall entries", () => {
    // Values as in glpi-winxp-uninstall-excerpt.reg (see the fixture README).
    const wow = { scope: "machine" as const, arch: "x86" };
    const office = { key: "Office14.PROPLUS", DisplayName: "Microsoft Office Professional Plus 2010", DisplayVersion: "14.0.6029.1000", Publisher: "Microsoft Corporation", SystemComponent: "" };
    const officeMsi = { ...office, key: "{90140000-0011-0000-0000-0000000FF1CE}", InstallDate: "20120417", SystemComponent: 1, WindowsInstaller: 1 };
    const officeSp1 = { key: "{90140000-0011-0000-0000-0000000FF1CE}_Office14.PROPLUS_{047B0968-E622-4FAA-9B4B-121FA109EDDE}", DisplayName: "Microsoft Office 2010 Service Pack 1 (SP1)", Publisher: "Microsoft", ParentKeyName: "Office14.PROPLUS" };
    const java = { key: "{26A24AE4-039D-4CA4-87B4-2F83216031FF}", DisplayName: "Java(TM) 6 Update 31", DisplayVersion: "6.0.310", InstallDate: "20120220", Publisher: "Oracle", WindowsInstaller: 1 };
    const air = { key: "{00203668-8170-44A0-BE44-B632FA4D780F}", DisplayName: "Adobe AIR", DisplayVersion: "1.0.8.4990", SystemComponent: 1, WindowsInstaller: 1 };
    const hotfix = { key: "KB2079403", DisplayName: "Security Update for Windows XP (KB2079403)", ParentKeyName: "OperatingSystem", ReleaseType: "Security Update" };
    expect(mapUninstallEntry(office, wow)).toEqual(inventory.software.find((s) => s.name === office.DisplayName));
    expect(mapUninstallEntry(java, wow)).toEqual(inventory.software.find((s) => s.name === java.DisplayName));
    for (const skipped of [officeMsi, officeSp1, air, hotfix]) expect(mapUninstallEntry(skipped, wow)).toBeUndefined();
  });

  it("records monitors, USB devices (with serials where Windows has one) and real printers only", () => {
    const { peripherals } = inventory.hardware;
    expect(peripherals).toContainEqual({ kind: "usb", vendor: "HP", product: "USB Printing Support", vendorId: "03f0", productId: "6004", serial: "MY26K1K34C2L" });
    expect(peripherals).toContainEqual({ kind: "usb", vendor: "Logitech", product: "USB Video Device", vendorId: "046d", productId: "08c9", serial: "6BE882AB" });
    expect(peripherals).toContainEqual({ kind: "monitor", vendor: "IQT", vendorId: "2634", productId: "217d" });
    expect(peripherals.filter((p) => p.kind === "printer").map((p) => p.product)).toEqual(["HP LaserJet 4250 PCL6", "\\\\PRINTSRV01\\Büro 2.OG Kyocera FS-2100DN"]);
    expect(peripherals.some((p) => /hub/i.test(p.product ?? "") || /XPS|OneNote|Fax/.test(p.product ?? ""))).toBe(false);
  });

  it("holds what the Node agent's mappers make of the same Win32_PnPEntity and Win32_Printer rows", () => {
    // The devices of glpi-win7-wmic-CIM_LogicalDevice-usb-excerpt.txt (names in English) plus the printer
    // and the stick of glpi-win7-registry-Enum-USB.reg; hubs and composite functions included, as WMI lists them.
    const pnp = (DeviceID: string, Name: string, Manufacturer: string, Service: string) => ({ DeviceID, Name, Manufacturer, Service });
    const devices = [
      pnp("USB\\VID_046D&PID_C30A&MI_01\\7&2BCD78FF&0&0001", "USB Input Device", "(Standard system devices)", "HidUsb"),
      pnp("USB\\VID_8087&PID_0024\\5&1C9B8E1E&0&1", "Generic USB Hub", "(Generic USB Hub)", "usbhub"),
      pnp("USB\\VID_8087&PID_0024\\5&355C47BA&0&1", "Generic USB Hub", "(Generic USB Hub)", "usbhub"),
      pnp("USB\\ROOT_HUB20\\4&3113F1A8&0", "USB Root Hub", "(Standard USB Host Controller)", "usbhub"),
      pnp("USB\\VID_0B05&PID_179C\\6&DF2EE03&0&7", "ASUS Bluetooth", "Atheros Communications", "BTHUSB"),
      pnp("USB\\VID_046D&PID_08C9\\6BE882AB", "USB Composite Device", "(Standard USB Host Controller)", "usbccgp"),
      pnp("USB\\VID_046D&PID_08C9&MI_00\\7&E16BD72&0&0000", "USB Video Device", "Microsoft", "usbvideo"),
      pnp("USB\\VID_046D&PID_08C9&MI_02\\7&E16BD72&0&0002", "USB Audio Device", "(Generic USB Audio)", "usbaudio"),
      pnp("USB\\VID_046D&PID_C03E\\6&DF2EE03&0&6", "USB Input Device", "(Standard system devices)", "HidUsb"),
      pnp("USB\\VID_046D&PID_C30A\\6&DF2EE03&0&5", "USB Composite Device", "(Standard USB Host Controller)", "usbccgp"),
      pnp("USB\\VID_046D&PID_C30A&MI_00\\7&2BCD78FF&0&0000", "USB Input Device", "(Standard system devices)", "HidUsb"),
      pnp("USB\\VID_03F0&PID_6004\\MY26K1K34C2L", "USB Printing Support", "Microsoft", "usbprint"),
      pnp("USB\\VID_0718&PID_0078\\AA407084912017", "USB Mass Storage Device", "Compatible USB storage device", "USBSTOR"),
    ];
    const usb = inventory.hardware.peripherals.filter((p) => p.kind === "usb");
    const byId = (a: { vendorId?: string; productId?: string }, b: { vendorId?: string; productId?: string }) => `${a.vendorId}${a.productId}`.localeCompare(`${b.vendorId}${b.productId}`);
    expect(compactRows(mapUsbDevices(devices)).sort(byId)).toEqual([...usb].sort(byId));

    const printer = (Name: string, DriverName: string, PortName: string) => ({ Name, DriverName, PortName });
    const printers = [
      printer("Microsoft XPS Document Writer", "Microsoft XPS Document Writer", "XPSPort:"),
      printer("Fax", "Microsoft Shared Fax Driver", "SHRFAX:"),
      printer("Send To OneNote 2010", "Send To Microsoft OneNote 2010 Driver", "nul:"),
      printer("HP LaserJet 4250 PCL6", "HP LaserJet 4250 PCL6", "IP_10.20.1.25"),
      printer("\\\\PRINTSRV01\\Büro 2.OG Kyocera FS-2100DN", "Kyocera FS-2100DN KX", "IP_10.20.1.40"),
    ];
    expect(mapPrinters(printers)).toEqual(inventory.hardware.peripherals.filter((p) => p.kind === "printer"));
  });

  it("reports every Windows probe, with Appx unsupported on Windows 7 and the unread profile named", () => {
    expect(inventory.probes.map((p) => p.id)).toEqual(WINDOWS_PROBE_IDS);
    const byId = new Map(inventory.probes.map((p) => [p.id, p]));
    expect(byId.get("windows.software-appx")).toMatchObject({ status: "unsupported" });
    expect(byId.get("windows.software-registry")?.message).toBe(
      "per-user software not read for 1 profile whose registry hive is not loaded (user signed out): CONTOSO\\a.schmidt (S-1-5-21-1004336348-1177238915-682003330-1112, C:\\Users\\a.schmidt)",
    );
    expect(inventory.probes.filter((p) => p.status === "error")).toEqual([]);
  });

  it("decodes hostile strings verbatim", () => {
    const hostile = inventory.software.find((s) => s.name.startsWith("Zeiterfassung"));
    expect(hostile).toMatchObject({
      name: "Zeiterfassung \"Büro\"\tC:\\Tools\\zeit.exe <script>alert('x')</script>",
      publisher: "Müller & Söhne GmbH\u2028IT\u001b[0m",
      user: "CONTOSO\\j.müller",
    });
    // ...and the file holds them escaped, never raw.
    expect(FIXTURE_TEXT).toContain('"name": "Zeiterfassung \\"Büro\\"\\u0009C:\\\\Tools\\\\zeit.exe <script>alert(\'x\')</script>"');
    expect(FIXTURE_TEXT).toContain('"publisher": "Müller & Söhne GmbH\\u2028IT\\u001b[0m"');
    expect(FIXTURE_TEXT).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u2028\u2029]/);
  });

  it("omits what it does not know instead of writing null or empty values", () => {
    expect(FIXTURE_TEXT).not.toMatch(/: null|: ""|\[\s*""\s*\]/);
    expect(inventory.security).not.toHaveProperty("diskEncryption");
    expect(inventory.probes.find((p) => p.id === "windows.security")?.message).toMatch(/BitLocker/);
    // Windows 7 has no MSFT_PhysicalDisk: a fixed disk is "other", as the Node agent says without it.
    expect(inventory.hardware.disks.map((d) => d.type)).toEqual(["other", "removable"]);
  });
});
