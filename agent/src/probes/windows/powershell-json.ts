// The two ends of every Windows probe: the PowerShell helpers each script starts with, and the readers
// for the one JSON document each script prints.
//
// The scripts target Windows PowerShell 4.0 (Server 2012 R2) and 5.1. Their ConvertTo-Json wraps .NET's
// JavaScriptSerializer, whose output the readers below absorb:
//   - DateTime values become "\/Date(1690439640000)\/" (milliseconds since the epoch, UTC);
//   - < > & ' become \u003c \u003e \u0026 \u0027 (JSON.parse undoes that by itself);
//   - enums become numbers unless the script casts them to [string];
//   - an array that reached the serializer as a single object is an object (asArray takes both), and an
//     array wrapped in a PSObject becomes {"value":[...],"Count":n};
// Get-WmiObject (and the legacy PowerShell 2.0 script) give WMI datetimes as CIM strings
// ("20231012094512.000000-420"), and pwsh 7 gives ISO 8601: parseWindowsDateTime reads all of them.

import type { Contribution, Probe } from "../../probe.js";

/**
 * Deadline of each Windows probe. The probes are marked `exclusive: "powershell"`, so the runner starts
 * the clock when the probe's own script starts, not while it waits for the shared session.
 */
export const WINDOWS_PROBE_TIMEOUT_MS = 60_000;

/**
 * Helpers every script may call. They exist once per invocation: the session runs each script inside
 * `& { ... }`, so nothing here leaks into the next probe's script.
 *  - Invoke-CaveatQuery runs one sub-query; a failure is recorded in the document's `errors` (query,
 *    locale-independent code such as AccessDenied / InvalidNamespace, message) instead of ending the script.
 *  - Open-CaveatRegistryKey reads the 64-bit registry view even from a 32-bit PowerShell, where
 *    HKLM:\SOFTWARE would silently be redirected to WOW6432Node (and MachineGuid would be missing).
 *  - Write-CaveatJson prints the document, with `errors`, as one line of compact JSON.
 */
const PRELUDE = String.raw`
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$WarningPreference = 'SilentlyContinue'
$caveatErrors = New-Object System.Collections.ArrayList
function Invoke-CaveatQuery([string]$CaveatQuery, [scriptblock]$CaveatBlock) {
  try { & $CaveatBlock }
  catch {
    $caveatFailure = $_.Exception.GetBaseException()
    $caveatCode = $caveatFailure.GetType().Name
    if ($caveatFailure.PSObject.Properties['NativeErrorCode']) { $caveatCode = [string]$caveatFailure.NativeErrorCode }
    [void]$caveatErrors.Add([ordered]@{ query = $CaveatQuery; code = $caveatCode; message = ([string]$caveatFailure.Message).Trim() })
  }
}
function Open-CaveatRegistryKey([string]$Hive, [string]$Path, [string]$View = 'Registry64') {
  $caveatBase = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]$Hive, [Microsoft.Win32.RegistryView]$View)
  if ($Path) { $caveatBase.OpenSubKey($Path) } else { $caveatBase }
}
function Read-CaveatRegistryValues([string]$Hive, [string]$Path, [string[]]$Names, [string]$View = 'Registry64') {
  $caveatKey = Open-CaveatRegistryKey $Hive $Path $View
  if ($null -ne $caveatKey) {
    $caveatValues = [ordered]@{}
    foreach ($caveatName in $Names) { $caveatValues[$caveatName] = $caveatKey.GetValue($caveatName) }
    $caveatKey.Close()
    $caveatValues
  }
}
function Write-CaveatJson($CaveatDocument) {
  $CaveatDocument['errors'] = @($caveatErrors)
  ConvertTo-Json -Compress -Depth 6 -InputObject $CaveatDocument
}
`;

/**
 * Prepends the helpers and drops blank lines: the session feeds the script to `powershell -Command -`,
 * which reads standard input line by line and takes an empty line as the end of a multi-line statement.
 */
export function buildScript(body: string): string {
  return `${PRELUDE}\n${body}`
    .split(/\r?\n/)
    .filter((line) => line.trim() !== "")
    .join("\n");
}

export type JsonObject = Record<string, unknown>;

/** Parses what a script printed. Stray lines before the JSON (a module's banner) are skipped. */
export function parseScriptOutput(text: string, key: string): JsonObject {
  const trimmed = text.replace(/^\uFEFF/, "").trim();
  const candidates = [trimmed, ...trimmed.split(/\r?\n/).filter((line) => line.trimStart().startsWith("{")).reverse()];
  for (const candidate of candidates) {
    try {
      const value: unknown = JSON.parse(candidate);
      if (isObject(value)) return value;
    } catch {
      // Not JSON: try the next candidate; the error below names what was printed.
    }
  }
  const excerpt = trimmed.length > 200 ? `${trimmed.slice(0, 200)}...` : trimmed;
  throw new Error(`${key}: the PowerShell script did not print a JSON object (printed ${excerpt ? JSON.stringify(excerpt) : "nothing"})`);
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A list whatever ConvertTo-Json made of it: null, one object, an array, or {"value":[...],"Count":n}. */
export function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  if (isObject(value) && Array.isArray(value.value) && "Count" in value && Object.keys(value).length === 2) return value.value;
  return [value];
}

/** The list's objects only (nulls and scalars dropped). */
export function asObjects(value: unknown): JsonObject[] {
  return asArray(value).filter(isObject);
}

/** The first object of what should be one object (a WMI class with one instance may still come as a list). */
export function firstObject(value: unknown): JsonObject {
  return asObjects(value)[0] ?? {};
}

/** A trimmed, non-empty string (numbers are written out), else undefined. */
export function asText(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value !== "string") return undefined;
  const text = value.replace(/\0/g, "").trim();
  return text === "" ? undefined : text;
}

/** The string exactly as reported (trailing spaces kept) when it has any content. */
export function asVerbatim(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const text = value.replace(/\0/g, "");
  return text.trim() === "" ? undefined : text;
}

export function asInteger(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === "string" && /^\s*-?\d+\s*$/.test(value)) {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

/** true / false / 1 / 0 / "True" / "False", as PowerShell may write a flag; anything else is unknown. */
export function asFlag(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value === "string") {
    if (/^\s*(true|1)\s*$/i.test(value)) return true;
    if (/^\s*(false|0)\s*$/i.test(value)) return false;
  }
  return undefined;
}

// Windows reports "no date" as the FILETIME or DOS epoch (1601-01-01, 1980-01-01): earlier years mean unknown.
const EARLIEST_YEAR = 1981;

/**
 * A point in time from any of the forms a WMI or registry date reaches us in: "\/Date(ms)\/" (after
 * JSON.parse: "/Date(ms)/"), a CIM datetime "yyyymmddHHMMSS.ffffff+UUU" (UUU = minutes east of UTC),
 * ISO 8601, or Get-Date's {"value": ..., "DateTime": ...} wrapper. Undefined when it is none of them.
 */
export function parseWindowsDateTime(value: unknown): Date | undefined {
  if (isObject(value) && "value" in value) return parseWindowsDateTime(value.value);
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  const ajax = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(text);
  if (ajax) return plausible(new Date(Number(ajax[1])));
  const cim = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\.(\d{6})([+-])(\d{3})$/.exec(text);
  if (cim) {
    const [, y, mo, d, h, mi, s, micro, sign, offset] = cim as unknown as string[];
    if (!isCalendarDate(Number(y), Number(mo), Number(d)) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
    const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Math.floor(Number(micro) / 1000));
    return plausible(new Date(local - (sign === "-" ? -1 : 1) * Number(offset) * 60_000));
  }
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(text);
  if (iso) {
    const [, y, mo, d, h = "00", mi = "00", s = "00", fraction = "", zone = "Z"] = iso as unknown as string[];
    if (!isCalendarDate(Number(y), Number(mo), Number(d))) return undefined;
    // A time without a zone is taken as UTC, so the result never depends on the machine reading it.
    return plausible(new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${fraction}${zone}`));
  }
  return undefined;
}

function plausible(date: Date): Date | undefined {
  if (Number.isNaN(date.getTime())) return undefined;
  const year = date.getUTCFullYear();
  return year >= EARLIEST_YEAR && year <= 2200 ? date : undefined;
}

export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** RFC 3339 in UTC, without the ".000" of whole seconds. */
export function toDateTime(date: Date | undefined): string | undefined {
  return date?.toISOString().replace(/\.000Z$/, "Z");
}

/** The UTC calendar date (yyyy-mm-dd). */
export function toDate(date: Date | undefined): string | undefined {
  return date?.toISOString().slice(0, 10);
}

/** Registry InstallDate "20230115" (REG_SZ, sometimes REG_DWORD) as "2023-01-15"; anything else is dropped. */
export function parseYyyymmdd(value: unknown): string | undefined {
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < EARLIEST_YEAR || year > 2200 || !isCalendarDate(year, month, day)) return undefined;
  return `${match[1]}-${match[2]}-${match[3]}`;
}

/** One sub-query of a script that failed (see Invoke-CaveatQuery). */
export interface ScriptError {
  query: string;
  code: string;
  message: string;
}

export function scriptErrors(document: JsonObject): ScriptError[] {
  return asObjects(document.errors).map((e) => ({ query: asText(e.query) ?? "?", code: asText(e.code) ?? "", message: asText(e.message) ?? "" }));
}

/** "Win32_BIOS: AccessDenied (Access denied)" */
export function describeScriptError(error: ScriptError): string {
  const detail = error.message && error.message !== error.code ? ` (${error.message})` : "";
  return `${error.query}: ${error.code || "failed"}${detail}`;
}

// Codes of CimException.NativeErrorCode and exception type names that mean "not allowed for this account".
const DENIED_CODES = new Set(["AccessDenied", "UnauthorizedAccessException", "SecurityException"]);
// ...and those that mean "this class or namespace does not exist on this Windows".
const ABSENT_CODES = new Set(["InvalidNamespace", "InvalidClass", "NotSupported", "CommandNotFoundException"]);

export function isDenied(error: ScriptError): boolean {
  return DENIED_CODES.has(error.code) || /access (is )?denied/i.test(error.message);
}

export function isAbsent(error: ScriptError): boolean {
  return ABSENT_CODES.has(error.code);
}

/**
 * A Windows probe: one script run in the scan's shared PowerShell session (its output recorded under the
 * probe's id), then a pure parser. Every Windows probe is built this way.
 */
export function powershellProbe(id: `windows.${string}`, script: string, parse: (output: string) => Contribution): Probe {
  return {
    id,
    platform: "windows",
    timeoutMs: WINDOWS_PROBE_TIMEOUT_MS,
    exclusive: "powershell",
    async run({ host, signal }) {
      return parse(await host.powershell(id, script, signal));
    },
  };
}
