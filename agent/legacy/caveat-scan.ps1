<#
caveat-scan.ps1: the caveat legacy Windows agent (agent.name "caveat-legacy-ps").

WHY
  Node.js 13.14 was the last Node release that installs on Windows 7 / Server 2008 R2, so the Node
  agent cannot run there. This script writes the same caveat.inventory/v1 JSON document with nothing
  but what Windows 7 SP1 ships: PowerShell 2.0 on .NET 3.5, WMI (Get-WmiObject) and the registry.
  It is written for PowerShell 2.0; newer features are used only behind a $PSVersionTable check.

USAGE
  powershell.exe -NoProfile -ExecutionPolicy Bypass -File caveat-scan.ps1
      [-OutFile PATH] [-Client SLUG] [-SubmitUrl URL (-Token TOKEN | -TokenFile PATH)]
      [-SpoolDir DIR] [-LogFile PATH]

  -OutFile    where to write the inventory; default caveat-inventory-<hostname>-<yyyyMMddHHmmss>.json
              beside this script. Written as UTF-8 without BOM.
  -Client     tenant slug stamped into the document (lowercase letters, digits, inner hyphens).
  -SubmitUrl  the collector's inventory endpoint, e.g. https://caveat.example.net/api/v1/inventories.
              The document is POSTed as application/json with "Authorization: Bearer TOKEN".
  -Token      the collector token; -TokenFile reads it from a file instead (keeps it out of the
              scheduled task's command line).
  -SpoolDir   where a scan that could not be submitted is kept; default the "spool" folder beside this
              script. After the next successful submission, spooled scans are sent again (oldest first)
              and removed once the collector accepted them.
  -LogFile    default caveat-scan.log in the output file's folder (appended, rotated at 1 MB).

  Exit codes: 0 written (and submitted when -SubmitUrl was given)
              1 written, but the submission failed: the scan is kept in the spool folder
              2 usage error (unknown parameter, bad -Client, -SubmitUrl without a token...)
              3 the output file could not be written (see the log)

SCHEDULING (runs as SYSTEM, no console, no prompts)
  schtasks /Create /SC DAILY /RU SYSTEM /TN "caveat scan" /TR "powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\...\caveat-scan.ps1"
  Add -Client, -SubmitUrl and -TokenFile inside /TR as needed (mind the quoting: /TR takes one string).

LIMITS (versus the Node agent; see docs/legacy-windows.md)
  - No Appx/MSIX inventory on Windows 7 (they do not exist there): windows.software-appx is "unsupported".
  - Per-user software is read only from the registry hives that are loaded, i.e. of users signed in
    during the scan; the other profiles are named in the windows.software-registry probe message.
  - No record/replay (caveat scan --record / --replay) and no per-probe timeout.
  - TLS 1.2 needs the .NET 3.5 TLS update (KB3154518 era) on Windows 7; without it HTTPS to a
    TLS 1.2-only collector fails and the scan is spooled. Copy the spool folder or submit it from
    another machine (see docs/legacy-windows.md).
  - Windows 7 has no MSFT_PhysicalDisk, so SSD and HDD are not told apart: a fixed disk is "other".
  - Firewall state comes from netsh, whose output is read in English only; on other display languages
    the firewall is reported as unknown (the probe message says so).
  - The value mappings (USB vendor names, software printers, skipped Uninstall entries...) are those of
    agent/src/probes/windows; the tests keep the two in step.
#>
param(
    [string]$OutFile,
    [string]$Client,
    [string]$SubmitUrl,
    [string]$Token,
    [string]$TokenFile,
    [string]$SpoolDir,
    [string]$LogFile
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 1.0

$ScriptVersion = '0.1.0'
$AgentName = 'caveat-legacy-ps'
$SchemaName = 'caveat.inventory/v1'
$Invariant = [System.Globalization.CultureInfo]::InvariantCulture
# $PSScriptRoot only exists from PowerShell 3.0 on; at script level $MyInvocation names this file.
$ScriptPath = $MyInvocation.MyCommand.Path
if ($ScriptPath) { $ScriptDir = Split-Path -Parent $ScriptPath } else { $ScriptDir = (Get-Location).ProviderPath }

$ExitOk = 0
$ExitSpooled = 1
$ExitUsage = 2
$ExitNotWritten = 3
$Written = $false

# Last resort: an error nothing else caught still ends with a meaningful exit code and a log line.
trap {
    try { Write-Log 'ERROR' ('unexpected: ' + (Get-ErrorText $_)) } catch { }
    if ($Written) { exit $ExitSpooled }
    exit $ExitNotWritten
}

# ManagementDateTimeConverter lives in System.Management.
try { Add-Type -AssemblyName System.Management } catch { }

# ---------------------------------------------------------------------------------------------------
# Identity and classification data. Kept equal to agent/src/identity.ts and agent/src/endpoint-type.ts;
# agent/test/legacy-script.test.ts compares them.

# UUID namespace for endpoint ids (agent/src/identity.ts CAVEAT_NAMESPACE; never change it).
$CaveatNamespace = '8d3b6c1e-4f0a-4c55-9b7e-2f1d0c9a6e31'

$PlaceholderUuids = @('03000200-0400-0500-0006-000700080009', '00020003-0004-0005-0006-000700080009')

$PlaceholderSerials = @(
    'to be filled by o.e.m.', 'default string', 'system serial number', 'chassis serial number', 'not specified', 'not applicable',
    'none', 'n/a', 'na', '0', '00000000', '0000000000', '0123456789', '123456789', '1234567890', 'serial number', 'invalid', 'unknown', '-', 'oem'
)

# SMBIOS System Enclosure types (DMTF DSP0134 7.4.1) as Win32_SystemEnclosure.ChassisTypes reports them.
$ChassisTypeMap = @{
    3 = 'desktop'; 4 = 'desktop'; 5 = 'desktop'; 6 = 'desktop'; 7 = 'desktop'; 13 = 'desktop'; 15 = 'desktop'; 16 = 'desktop'; 24 = 'desktop'; 35 = 'desktop'; 36 = 'desktop'
    8 = 'laptop'; 9 = 'laptop'; 10 = 'laptop'; 11 = 'laptop'; 14 = 'laptop'; 30 = 'laptop'; 31 = 'laptop'; 32 = 'laptop'
    17 = 'server'; 23 = 'server'; 25 = 'server'; 28 = 'server'; 29 = 'server'
}

# Manufacturer / model strings that hypervisors put in SMBIOS (matched case-insensitively).
$VirtualMarkers = @('^qemu', '^vmware', 'virtualbox', '^innotek', '^xen', '^kvm', '^bochs', '^parallels', 'virtual machine', '^amazon ec2', '^google compute engine', '^openstack', '^proxmox', '^virtualmac', '^apple virtual')

# The rest mirrors agent/src/probes/windows/*.ts so that both agents write the same values; the tests
# compare these lists with those files.

# Win32_ComputerSystem.PCSystemType, used when the chassis type says nothing (windows/system.ts).
$PcSystemTypeMap = @{ 1 = 'desktop'; 2 = 'laptop'; 3 = 'desktop'; 4 = 'server'; 5 = 'server'; 7 = 'server'; 8 = 'laptop' }

# Disks and adapters that are software (windows/disks-network.ts), matched case-insensitively.
$VirtualDiskModels = 'virtual|qemu|vmware|vbox|virtio|xen|msft virtual disk'
$VirtualAdapters = 'virtual|hyper-v|vmware|virtualbox|tap-windows|wintun|wireguard|wan miniport|loopback|npcap|vpn|fortinet ssl|cisco anyconnect|globalprotect|zerotier|tailscale'

# USB vendor ids (linux-usb.org usb.ids) of common devices (windows/peripherals.ts). Win32_PnPEntity's
# Manufacturer names the driver's provider ("Microsoft", "(Standard USB Host Controller)"), not the maker.
$UsbVendors = @{
    '03f0' = 'HP'; '0403' = 'FTDI'; '041e' = 'Creative'; '0424' = 'Microchip'; '045e' = 'Microsoft'; '046a' = 'Cherry'; '046d' = 'Logitech'
    '04b8' = 'Epson'; '04e8' = 'Samsung'; '04f2' = 'Chicony'; '04f9' = 'Brother'; '0525' = 'Netchip'; '05ac' = 'Apple'; '0627' = 'QEMU'; '067b' = 'Prolific'
    '05e0' = 'Zebra (Symbol)'; '06cb' = 'Synaptics'; '0781' = 'SanDisk'; '08bb' = 'Texas Instruments'; '090c' = 'Silicon Motion'; '0951' = 'Kingston'; '0b05' = 'ASUS'; '0bda' = 'Realtek'
    '0c45' = 'Microdia'; '10c4' = 'Silicon Labs'; '1050' = 'Yubico'; '138a' = 'Validity Sensors'; '17ef' = 'Lenovo'; '1a86' = 'QinHeng'
    '1bcf' = 'Sunplus'; '2109' = 'VIA Labs'; '27c6' = 'Goodix'; '413c' = 'Dell'; '5986' = 'Bison'; '8087' = 'Intel'
}
$GenericManufacturer = '^\(|^microsoft$|^compatible usb storage device$'

# Print queues that are not devices: print-to-file, fax, OneNote, redirected remote desktop printers.
$SoftwarePrinterDrivers = @('^Microsoft Print To PDF$', '^Microsoft XPS Document Writer', '^Microsoft Shared Fax Driver$', 'OneNote', '^Microsoft Software Printer Driver$', '^Adobe PDF Converter$', '^PDFCreator', '^CutePDF')
$SoftwarePrinterPorts = @('^PORTPROMPT:$', '^SHRFAX:$', '^XPSPort:$', '^nul:?$', '^TS\d{3}$', '^FILE:$')
$SoftwarePrinterNames = @('^Microsoft Print to PDF$', '^Microsoft XPS Document Writer$', '^Fax$', 'OneNote', '\(redirected \d+\)$')

# User SIDs: domain and local accounts (S-1-5-21-...) and Entra ID accounts (S-1-12-1-...) (windows/software-registry.ts).
$UserSidPattern = '^S-1-(5-21|12-1)-[0-9-]+$'

# Uninstall entries whose ReleaseType marks an update of something else (windows/software-registry.ts).
$UpdateReleaseTypes = @('update', 'hotfix', 'security update')

# Win32_EncryptableVolume encryption methods (windows/security.ts).
$EncryptionMethods = @{ 1 = 'AES-128 with Diffuser'; 2 = 'AES-256 with Diffuser'; 3 = 'AES-128'; 4 = 'AES-256'; 5 = 'Hardware encryption'; 6 = 'XTS-AES-128'; 7 = 'XTS-AES-256' }

# ---------------------------------------------------------------------------------------------------
# JSON writer. PowerShell 2.0 has no ConvertTo-Json, so the document is serialized here: objects are
# OrderedDictionary (key order kept), lists are ArrayList (a one-element list stays a list), absent
# values ($null, blank strings, NaN) are left out, numbers and booleans are unquoted and written with
# the invariant culture. Layout: two-space indent, "key": value, LF line ends, a final LF.

# JSON string escapes (RFC 8259 section 7), code point -> escape. agent/test/legacy-script.test.ts reads
# this table and the control-character loop below; keep their shape.
$JsonEscapeTable = @{
    0x22 = '\"'
    0x5C = '\\'
    0x2028 = '\u2028'
    0x2029 = '\u2029'
}
# Every control character is written as \u00XX (no \n or \t short forms).
for ($code = 0; $code -lt 0x20; $code++) { $JsonEscapeTable[$code] = ('\u{0:x4}' -f $code) }
# Strings with none of these characters are written as they are (the common, fast case). Unpaired
# UTF-16 surrogates (a broken DisplayName) are escaped as \uXXXX so the UTF-8 output stays valid.
$JsonNeedsEscape = '[\x00-\x1F"\\\u2028\u2029\uD800-\uDFFF]'

function ConvertTo-JsonStringLiteral([string]$Text) {
    if ($Text -notmatch $JsonNeedsEscape) { return '"' + $Text + '"' }
    $builder = New-Object System.Text.StringBuilder ($Text.Length + 16)
    [void]$builder.Append('"')
    for ($i = 0; $i -lt $Text.Length; $i++) {
        $ch = $Text[$i]
        $code = [int]$ch
        $escape = $JsonEscapeTable[$code]
        if ($null -ne $escape) {
            [void]$builder.Append($escape)
        } elseif ([char]::IsHighSurrogate($ch) -and ($i + 1) -lt $Text.Length -and [char]::IsLowSurrogate($Text[$i + 1])) {
            [void]$builder.Append($ch)
            [void]$builder.Append($Text[$i + 1])
            $i++
        } elseif ([char]::IsSurrogate($ch)) {
            [void]$builder.Append(('\u{0:x4}' -f $code))
        } else {
            [void]$builder.Append($ch)
        }
    }
    [void]$builder.Append('"')
    return $builder.ToString()
}

function Test-JsonPresent($Value) {
    if ($null -eq $Value) { return $false }
    if ($Value -is [string]) { return $Value.Trim().Length -gt 0 }
    if ($Value -is [double] -or $Value -is [single]) { return -not ([double]::IsNaN($Value) -or [double]::IsInfinity($Value)) }
    return $true
}

function Test-JsonInteger($Value) {
    return ($Value -is [int] -or $Value -is [long] -or $Value -is [int16] -or $Value -is [byte] -or $Value -is [sbyte] -or
        $Value -is [uint16] -or $Value -is [uint32] -or $Value -is [uint64])
}

function Write-JsonValue([System.Text.StringBuilder]$Builder, $Value, [string]$Indent) {
    if ($null -eq $Value) { [void]$Builder.Append('null'); return }
    if ($Value -is [bool]) {
        if ($Value) { [void]$Builder.Append('true') } else { [void]$Builder.Append('false') }
        return
    }
    if ($Value -is [string] -or $Value -is [char]) { [void]$Builder.Append((ConvertTo-JsonStringLiteral ([string]$Value))); return }
    if (Test-JsonInteger $Value) { [void]$Builder.Append($Value.ToString($Invariant)); return }
    if ($Value -is [double] -or $Value -is [single]) { [void]$Builder.Append(([double]$Value).ToString('R', $Invariant)); return }
    if ($Value -is [decimal]) { [void]$Builder.Append($Value.ToString($Invariant)); return }
    if ($Value -is [datetime]) { [void]$Builder.Append((ConvertTo-JsonStringLiteral (Format-UtcTimestamp $Value))); return }
    $inner = $Indent + '  '
    if ($Value -is [System.Collections.IDictionary]) {
        $keys = New-Object System.Collections.ArrayList
        foreach ($key in $Value.Keys) { if (Test-JsonPresent $Value[$key]) { [void]$keys.Add($key) } }
        if ($keys.Count -eq 0) { [void]$Builder.Append('{}'); return }
        [void]$Builder.Append("{`n")
        for ($i = 0; $i -lt $keys.Count; $i++) {
            [void]$Builder.Append($inner)
            [void]$Builder.Append((ConvertTo-JsonStringLiteral ([string]$keys[$i])))
            [void]$Builder.Append(': ')
            Write-JsonValue $Builder $Value[$keys[$i]] $inner
            if ($i -lt $keys.Count - 1) { [void]$Builder.Append(",`n") } else { [void]$Builder.Append("`n") }
        }
        [void]$Builder.Append($Indent + '}')
        return
    }
    if ($Value -is [System.Collections.IEnumerable]) {
        $items = New-Object System.Collections.ArrayList
        foreach ($item in $Value) { if (Test-JsonPresent $item) { [void]$items.Add($item) } }
        if ($items.Count -eq 0) { [void]$Builder.Append('[]'); return }
        [void]$Builder.Append("[`n")
        for ($i = 0; $i -lt $items.Count; $i++) {
            [void]$Builder.Append($inner)
            Write-JsonValue $Builder $items[$i] $inner
            if ($i -lt $items.Count - 1) { [void]$Builder.Append(",`n") } else { [void]$Builder.Append("`n") }
        }
        [void]$Builder.Append($Indent + ']')
        return
    }
    [void]$Builder.Append((ConvertTo-JsonStringLiteral ([string]$Value)))
}

function ConvertTo-JsonDocument($Value) {
    $builder = New-Object System.Text.StringBuilder 65536
    Write-JsonValue $builder $Value ''
    [void]$builder.Append("`n")
    return $builder.ToString()
}

function New-JsonObject { return , (New-Object System.Collections.Specialized.OrderedDictionary) }
function New-JsonList { return , (New-Object System.Collections.ArrayList) }

# ---------------------------------------------------------------------------------------------------
# Small helpers

function Format-UtcTimestamp([datetime]$Time) {
    return $Time.ToUniversalTime().ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'", $Invariant)
}

function Format-Date([datetime]$Time) { return $Time.ToString("yyyy'-'MM'-'dd", $Invariant) }

# A WMI CIM_DATETIME (20130813153755.000000+120) as RFC 3339 UTC, or $null.
function ConvertFrom-WmiDateTime($Text) {
    if (-not (Test-JsonPresent $Text)) { return $null }
    try { return Format-UtcTimestamp ([System.Management.ManagementDateTimeConverter]::ToDateTime([string]$Text)) } catch { return $null }
}

# Registry InstallDate "20230115" (REG_SZ, sometimes REG_DWORD) as "2023-01-15"; anything else is dropped.
function ConvertFrom-Yyyymmdd($Value) {
    if ($null -eq $Value) { return $null }
    $text = ([string]$Value).Trim()
    if ($text -notmatch '^\d{8}$') { return $null }
    $parsed = [datetime]::MinValue
    if (-not [datetime]::TryParseExact($text, 'yyyyMMdd', $Invariant, [System.Globalization.DateTimeStyles]::None, [ref]$parsed)) { return $null }
    # Windows writes "no date" as the FILETIME or DOS epoch: earlier years mean unknown.
    if ($parsed.Year -lt 1981 -or $parsed.Year -gt 2200) { return $null }
    return Format-Date $parsed
}

# Win32_QuickFixEngineering.InstalledOn: "10/12/2023" (M/d/yyyy whatever the locale), sometimes a hex
# FILETIME ("01d9fc8b5a8e7c00"), yyyyMMdd, a CIM datetime, or empty.
function ConvertFrom-HotfixDate($Value) {
    if ($null -eq $Value) { return $null }
    if ($Value -is [datetime]) { return Format-Date $Value }
    $text = ([string]$Value).Trim()
    $parsed = [datetime]::MinValue
    if ($text -match '^\d{1,2}/\d{1,2}/\d{4}$') {
        if (-not [datetime]::TryParseExact($text, 'M/d/yyyy', $Invariant, [System.Globalization.DateTimeStyles]::None, [ref]$parsed)) { return $null }
        if ($parsed.Year -le 1980) { return $null }
        return Format-Date $parsed
    }
    if ($text -match '^[0-9A-Fa-f]{16}$') {
        try { $parsed = [datetime]::FromFileTimeUtc([Convert]::ToInt64($text, 16)) } catch { return $null }
        if ($parsed.Year -lt 1981) { return $null }
        return Format-Date $parsed
    }
    $date = ConvertFrom-Yyyymmdd $text
    if ($date) { return $date }
    $time = ConvertFrom-WmiDateTime $text
    if ($time) { return $time.Substring(0, 10) }
    return $null
}

# A value as text, NULs removed and trimmed (the Node agent's asText); $null when blank or longer than the
# contract allows (the Node agent drops such values too rather than shortening them).
function Get-Text($Value, [int]$MaxLength = 4096) {
    if ($null -eq $Value) { return $null }
    $text = ([string]$Value).Replace([string][char]0, '').Trim()
    if ($text.Length -eq 0 -or $text.Length -gt $MaxLength) { return $null }
    return $text
}

# The same, but not trimmed (asVerbatim): OS captions and program names are kept exactly as reported.
function Get-Verbatim($Value, [int]$MaxLength = 4096) {
    if ($null -eq $Value) { return $null }
    $text = ([string]$Value).Replace([string][char]0, '')
    if ($text.Trim().Length -eq 0 -or $text.Length -gt $MaxLength) { return $null }
    return $text
}

# An integer from a number or a digits-only string (a DWORD written as REG_SZ), else $null (asInteger).
function Get-Integer($Value) {
    if ($null -eq $Value) { return $null }
    if (Test-JsonInteger $Value) { return [long]$Value }
    $text = ([string]$Value).Trim()
    if ($text -match '^-?\d{1,18}$') { return [long]$text }
    return $null
}

# true / false / 1 / 0 / "True" / "False" (asFlag); anything else is unknown ($null).
function Get-Flag($Value) {
    if ($null -eq $Value) { return $null }
    if ($Value -is [bool]) { return $Value }
    $text = ([string]$Value).Trim()
    if ($text -eq 'true' -or $text -eq '1') { return $true }
    if ($text -eq 'false' -or $text -eq '0') { return $false }
    return $null
}

# Why a WMI query failed, in the Node agent's terms: 'absent' (no such namespace or class on this
# Windows), 'denied' (not allowed for this account) or 'other'.
function Get-FailureKind($ErrorRecord) {
    $exception = $ErrorRecord.Exception
    if ($null -ne $exception) { $exception = $exception.GetBaseException() }
    $code = ''
    if ($exception -is [System.Management.ManagementException]) { $code = [string]$exception.ErrorCode }
    if ($code -eq 'AccessDenied' -or $exception -is [System.UnauthorizedAccessException] -or $exception -is [System.Security.SecurityException] -or [string]$exception.Message -match 'access (is )?denied') { return 'denied' }
    if ($code -eq 'InvalidNamespace' -or $code -eq 'InvalidClass' -or $code -eq 'NotSupported' -or $exception -is [System.Management.Automation.CommandNotFoundException]) { return 'absent' }
    return 'other'
}

function Limit-Message([string]$Text) {
    if ($Text.Length -gt 4000) { return $Text.Substring(0, 4000) + '...' }
    return $Text
}

function Get-RegistryValue([Microsoft.Win32.RegistryKey]$Root, [string]$Path, [string]$Name) {
    $key = $Root.OpenSubKey($Path)
    if ($null -eq $key) { return $null }
    try { return $key.GetValue($Name) } finally { $key.Close() }
}

function Test-RegistryKey([Microsoft.Win32.RegistryKey]$Root, [string]$Path) {
    $key = $Root.OpenSubKey($Path)
    if ($null -eq $key) { return $false }
    $key.Close()
    return $true
}

# Always an array (the leading comma stops PowerShell from unrolling it): PowerShell 2.0 gives a single
# object no .Count, and `foreach ($x in $null)` runs once there.
function Get-Wmi([string]$Class, [string]$Namespace = 'root\cimv2', [string]$Filter) {
    if ($Filter) { return , @(Get-WmiObject -Namespace $Namespace -Class $Class -Filter $Filter -ErrorAction Stop) }
    return , @(Get-WmiObject -Namespace $Namespace -Class $Class -ErrorAction Stop)
}

function Get-ErrorText($ErrorRecord) {
    $text = [string]$ErrorRecord.Exception.Message
    if ($ErrorRecord.InvocationInfo -and $ErrorRecord.InvocationInfo.ScriptLineNumber -gt 0) {
        $text = $text + ' (caveat-scan.ps1 line ' + $ErrorRecord.InvocationInfo.ScriptLineNumber + ')'
    }
    return $text
}

# Marks "what this probe reads does not exist here" (status unsupported, not error).
function Stop-ProbeUnsupported([string]$Message) {
    $exception = New-Object System.NotSupportedException $Message
    $exception.Data['caveat.unsupported'] = $true
    throw $exception
}

function Test-VirtualMarker([string]$Text) {
    if (-not $Text) { return $false }
    foreach ($pattern in $VirtualMarkers) { if ($Text.Trim() -match $pattern) { return $true } }
    return $false
}

function Get-CleanSerial($Raw) {
    if ($null -eq $Raw) { return $null }
    $serial = ([string]$Raw).Replace([string][char]0, '').Trim()
    if ($serial.Length -eq 0) { return $null }
    if ($PlaceholderSerials -contains $serial.ToLowerInvariant()) { return $null }
    if ($serial -match '^0+$' -or $serial -match '^(.)\1+$') { return $null }
    return $serial
}

function Get-NormalizedUuid($Raw) {
    if ($null -eq $Raw) { return $null }
    $compact = ([string]$Raw).Trim().ToLowerInvariant().Replace('{', '').Replace('}', '').Replace('-', '')
    if ($compact -notmatch '^[0-9a-f]{32}$') { return $null }
    return $compact.Substring(0, 8) + '-' + $compact.Substring(8, 4) + '-' + $compact.Substring(12, 4) + '-' + $compact.Substring(16, 4) + '-' + $compact.Substring(20)
}

function Test-PlaceholderUuid([string]$Uuid) {
    if ($PlaceholderUuids -contains $Uuid) { return $true }
    return $Uuid -match '^([0-9a-f])\1{7}-\1{4}-\1{4}-\1{4}-\1{12}$'
}

# RFC 4122 version 5 (SHA-1, name-based) UUID in the caveat namespace, as agent/src/identity.ts uuidV5.
function New-UuidV5([string]$Name) {
    $namespaceHex = $CaveatNamespace.Replace('-', '')
    $nameBytes = [System.Text.Encoding]::UTF8.GetBytes($Name)
    $data = New-Object byte[] (16 + $nameBytes.Length)
    for ($i = 0; $i -lt 16; $i++) { $data[$i] = [Convert]::ToByte($namespaceHex.Substring($i * 2, 2), 16) }
    [Array]::Copy($nameBytes, 0, $data, 16, $nameBytes.Length)
    $sha1 = New-Object System.Security.Cryptography.SHA1CryptoServiceProvider
    try { $hash = $sha1.ComputeHash($data) } finally { $sha1.Clear() }
    $hash[6] = [byte](($hash[6] -band 0x0f) -bor 0x50)
    $hash[8] = [byte](($hash[8] -band 0x3f) -bor 0x80)
    $hex = New-Object System.Text.StringBuilder 32
    for ($i = 0; $i -lt 16; $i++) { [void]$hex.Append($hash[$i].ToString('x2')) }
    $h = $hex.ToString()
    return $h.Substring(0, 8) + '-' + $h.Substring(8, 4) + '-' + $h.Substring(12, 4) + '-' + $h.Substring(16, 4) + '-' + $h.Substring(20, 12)
}

# Appends rows to $Target ordered by their keys (ordinal, case-insensitive: the same on every locale).
function Add-SortedRows([System.Collections.ArrayList]$Target, [System.Collections.ArrayList]$Rows, [System.Collections.ArrayList]$Keys) {
    $byKey = New-Object System.Collections.Hashtable
    $order = New-Object System.Collections.ArrayList
    for ($i = 0; $i -lt $Rows.Count; $i++) {
        $key = [string]$Keys[$i]
        if (-not $byKey.ContainsKey($key)) {
            $byKey[$key] = New-Object System.Collections.ArrayList
            [void]$order.Add($key)
        }
        [void]$byKey[$key].Add($Rows[$i])
    }
    $order.Sort([System.StringComparer]::OrdinalIgnoreCase)
    foreach ($key in $order) { foreach ($row in $byKey[$key]) { [void]$Target.Add($row) } }
}

# ---------------------------------------------------------------------------------------------------
# Log

$script:LogPath = $null
function Write-Log([string]$Level, [string]$Message) {
    $line = (Format-UtcTimestamp ([datetime]::UtcNow)) + ' ' + $Level + ' ' + $Message
    try { Write-Host $line } catch { }
    if ($script:LogPath) {
        try {
            [System.IO.File]::AppendAllText($script:LogPath, $line + "`r`n", (New-Object System.Text.UTF8Encoding $false))
        } catch {
            $script:LogPath = $null
            try { Write-Host ('log file not writable, logging to the console only: ' + $_.Exception.Message) } catch { }
        }
    }
}

function Open-Log([string]$Path) {
    try {
        $directory = Split-Path -Parent $Path
        if ($directory -and -not (Test-Path -LiteralPath $directory)) { [void][System.IO.Directory]::CreateDirectory($directory) }
        if ((Test-Path -LiteralPath $Path) -and (Get-Item -LiteralPath $Path).Length -gt 1048576) {
            $old = $Path + '.old'
            if (Test-Path -LiteralPath $old) { Remove-Item -LiteralPath $old -Force }
            Move-Item -LiteralPath $Path -Destination $old
        }
        $script:LogPath = $Path
    } catch {
        $script:LogPath = $null
    }
}

# ---------------------------------------------------------------------------------------------------
# Usage

function Exit-Usage([string]$Message) {
    Write-Log 'ERROR' ('usage: ' + $Message)
    Write-Log 'INFO' 'usage: caveat-scan.ps1 [-OutFile PATH] [-Client SLUG] [-SubmitUrl URL (-Token TOKEN | -TokenFile PATH)] [-SpoolDir DIR] [-LogFile PATH]'
    exit $ExitUsage
}

function Resolve-UserPath([string]$Path) {
    return $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
}

# ---------------------------------------------------------------------------------------------------
# A 32-bit PowerShell on 64-bit Windows (a 32-bit RMM agent starting us) sees the WOW6432Node registry
# view only: no MachineGuid, no 64-bit software. Start the 64-bit PowerShell through sysnative instead.
if ($env:PROCESSOR_ARCHITEW6432 -and $ScriptPath) {
    $nativePowerShell = Join-Path $env:WINDIR 'sysnative\WindowsPowerShell\v1.0\powershell.exe'
    if (Test-Path -LiteralPath $nativePowerShell) {
        $forward = @('-NoProfile', '-ExecutionPolicy', 'Bypass', '-File', $ScriptPath)
        foreach ($name in $PSBoundParameters.Keys) { $forward += @('-' + $name, [string]$PSBoundParameters[$name]) }
        foreach ($extra in $args) { $forward += [string]$extra }
        & $nativePowerShell @forward
        exit $LASTEXITCODE
    }
}

# ---------------------------------------------------------------------------------------------------
# Parameters

$ComputerName = $env:COMPUTERNAME
if (-not $ComputerName) { $ComputerName = [Environment]::MachineName }
$Started = [datetime]::UtcNow

try {
    if (-not $OutFile) {
        $safeName = $ComputerName
        foreach ($bad in [System.IO.Path]::GetInvalidFileNameChars()) { $safeName = $safeName.Replace([string]$bad, '_') }
        $OutFile = Join-Path $ScriptDir ('caveat-inventory-' + $safeName + '-' + $Started.ToString('yyyyMMddHHmmss', $Invariant) + '.json')
    }
    $OutFile = Resolve-UserPath $OutFile
    if (-not $LogFile) { $LogFile = Join-Path (Split-Path -Parent $OutFile) 'caveat-scan.log' }
    Open-Log (Resolve-UserPath $LogFile)
    if (-not $SpoolDir) { $SpoolDir = Join-Path $ScriptDir 'spool' }
    $SpoolDir = Resolve-UserPath $SpoolDir
} catch {
    Exit-Usage ('bad path: ' + $_.Exception.Message)
}

Write-Log 'INFO' ('caveat-scan ' + $ScriptVersion + ' on ' + $ComputerName + ', PowerShell ' + $PSVersionTable.PSVersion + ', CLR ' + $PSVersionTable.CLRVersion)

if ($args.Count -gt 0) { Exit-Usage ('unknown argument(s): ' + ($args -join ' ')) }
if ($Client -and $Client -cnotmatch '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$') {
    Exit-Usage ('-Client "' + $Client + '" is not a tenant slug (lowercase letters, digits and inner hyphens, at most 64 characters)')
}
if ($TokenFile) {
    if ($Token) { Exit-Usage 'give -Token or -TokenFile, not both' }
    try { $Token = ([System.IO.File]::ReadAllText((Resolve-UserPath $TokenFile))).Trim() } catch { Exit-Usage ('cannot read -TokenFile: ' + $_.Exception.Message) }
}
if ($SubmitUrl) {
    $uri = $null
    if (-not [Uri]::TryCreate($SubmitUrl, [UriKind]::Absolute, [ref]$uri) -or ($uri.Scheme -ne 'https' -and $uri.Scheme -ne 'http')) {
        Exit-Usage ('-SubmitUrl "' + $SubmitUrl + '" is not an http(s) URL')
    }
    if (-not $Token) { Exit-Usage '-SubmitUrl needs -Token or -TokenFile' }
    if ($uri.Scheme -eq 'http') { Write-Log 'WARN' 'submitting over plain http: the token and the inventory travel unencrypted' }
} elseif ($Token) {
    Exit-Usage '-Token / -TokenFile without -SubmitUrl'
}

# ---------------------------------------------------------------------------------------------------
# The document parts. Keys are created in output order; a $null value is simply not written.

$Facts = @{}
$Os = New-JsonObject
foreach ($key in @('platform', 'name', 'version', 'build', 'edition', 'displayVersion', 'servicePack', 'arch', 'installDate', 'lastBoot')) { $Os[$key] = $null }
$Os['platform'] = 'windows'
$Hardware = New-JsonObject
foreach ($key in @('cpu', 'memoryBytes', 'bios')) { $Hardware[$key] = $null }
$Hardware['disks'] = New-JsonList
$Hardware['nics'] = New-JsonList
$Hardware['peripherals'] = New-JsonList
$Software = New-JsonList
$Security = New-JsonObject
foreach ($key in @('firewall', 'diskEncryption', 'antivirus', 'pendingReboot', 'lastUpdateInstalled')) { $Security[$key] = $null }
$Probes = New-JsonList

# Runs one section. Whatever it throws becomes the probe's status and message; the scan goes on.
function Invoke-Probe([string]$Id, [scriptblock]$Body) {
    $notes = New-Object System.Collections.ArrayList
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $status = 'ok'
    $message = $null
    try {
        $null = & $Body $notes
    } catch {
        $status = 'error'
        if ($_.Exception -is [System.NotSupportedException] -and $_.Exception.Data.Contains('caveat.unsupported')) { $status = 'unsupported' }
        $message = Get-ErrorText $_
    }
    $watch.Stop()
    if ($notes.Count -gt 0) {
        $noteText = [string]::Join('; ', [string[]]$notes.ToArray())
        if ($message) { $message = $message + '; ' + $noteText } else { $message = $noteText }
    }
    $result = New-JsonObject
    $result['id'] = $Id
    $result['status'] = $status
    $result['durationMs'] = [long]$watch.ElapsedMilliseconds
    if ($message) { $result['message'] = Limit-Message $message }
    [void]$Probes.Add($result)
    $level = 'INFO'
    if ($status -eq 'error') { $level = 'WARN' }
    $line = $Id + ': ' + $status + ' in ' + $watch.ElapsedMilliseconds + ' ms'
    if ($message) { $line = $line + ' (' + $message + ')' }
    Write-Log $level $line
}

# ---------------------------------------------------------------------------------------------------
# windows.os: Win32_OperatingSystem, HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion, MachineGuid

Invoke-Probe 'windows.os' {
    param($notes)
    $machine = [Microsoft.Win32.Registry]::LocalMachine
    $currentVersion = 'SOFTWARE\Microsoft\Windows NT\CurrentVersion'
    # $osInfo, not $os: PowerShell names are case-insensitive and $Os is the document part.
    $osInfo = $null
    try { $osInfo = (Get-Wmi 'Win32_OperatingSystem')[0] } catch { [void]$notes.Add('Win32_OperatingSystem: ' + $_.Exception.Message) }
    $registry = @{}
    try {
        foreach ($name in @('EditionID', 'DisplayVersion', 'ReleaseId', 'UBR', 'CurrentBuild', 'ProductName')) { $registry[$name] = Get-RegistryValue $machine $currentVersion $name }
    } catch { [void]$notes.Add('HKLM\' + $currentVersion + ': ' + $_.Exception.Message) }
    $caption = $null
    $buildNumber = $null
    if ($null -ne $osInfo) {
        # Exactly as reported: Windows 7 ends its Caption with a space, kept as evidence.
        $caption = $osInfo.Caption
        $buildNumber = $osInfo.BuildNumber
        $Os['version'] = Get-Text $osInfo.Version 64
        $Os['servicePack'] = Get-Text $osInfo.CSDVersion 64
        $Os['installDate'] = ConvertFrom-WmiDateTime $osInfo.InstallDate
        $Os['lastBoot'] = ConvertFrom-WmiDateTime $osInfo.LastBootUpTime
        $Facts['productType'] = $osInfo.ProductType
        # OSArchitecture is localised ("64-bit", "32 bits", "ARM 64-bit Processor") and missing before Vista.
        $architecture = [string]$osInfo.OSArchitecture
        if ($architecture -match 'arm') { if ($architecture -match '64') { $Os['arch'] = 'arm64' } else { $Os['arch'] = 'arm' } }
        elseif ($architecture -match '64') { $Os['arch'] = 'x64' }
        elseif ($architecture -match '32|86') { $Os['arch'] = 'x86' }
    }
    if (-not $Os['arch']) {
        $processor = $env:PROCESSOR_ARCHITEW6432
        if (-not $processor) { $processor = $env:PROCESSOR_ARCHITECTURE }
        if ($processor -eq 'AMD64') { $Os['arch'] = 'x64' } elseif ($processor -eq 'x86') { $Os['arch'] = 'x86' } elseif ($processor -eq 'ARM64') { $Os['arch'] = 'arm64' }
    }
    $Os['name'] = Get-Verbatim $caption
    if (-not $Os['name']) { $Os['name'] = Get-Verbatim $registry['ProductName'] }
    if (-not $Os['name']) { throw 'neither Win32_OperatingSystem nor the CurrentVersion key could be read' }
    $Os['edition'] = Get-Text $registry['EditionID'] 128
    $Facts['editionId'] = $Os['edition']
    # CurrentBuild.UBR is what Windows Update names (19045.6456); before Windows 10 there is no UBR and no
    # DisplayVersion / ReleaseId: absent, not an error.
    $currentBuild = Get-Text $registry['CurrentBuild']
    if (-not $currentBuild) { $currentBuild = Get-Text $buildNumber }
    $ubr = Get-Integer $registry['UBR']
    if ($currentBuild -and $null -ne $ubr) { $Os['build'] = Get-Text ($currentBuild + '.' + $ubr) 64 } else { $Os['build'] = Get-Text $currentBuild 64 }
    $displayVersion = Get-Text $registry['DisplayVersion'] 64
    if (-not $displayVersion) { $displayVersion = Get-Text $registry['ReleaseId'] 64 }
    $Os['displayVersion'] = $displayVersion
    try { $Facts['machineId'] = Get-Text (Get-RegistryValue $machine 'SOFTWARE\Microsoft\Cryptography' 'MachineGuid') } catch { [void]$notes.Add('MachineGuid: ' + $_.Exception.Message) }
}

# ---------------------------------------------------------------------------------------------------
# windows.system: computer, BIOS, SMBIOS UUID, chassis, processor, memory

# Lenovo puts the machine type (20TBS57S00) in Model and the name people know in
# Win32_ComputerSystemProduct.Version: keep both (windows/system.ts modelName).
function Get-ModelName([string]$Manufacturer, [string]$Model, [string]$ProductVersion) {
    if ($Manufacturer -match '^lenovo$' -and $ProductVersion -and $ProductVersion -notmatch '^lenovo$' -and $ProductVersion -cne $Model) {
        if ($Model) { return $ProductVersion + ' (' + $Model + ')' }
        return $ProductVersion
    }
    return $Model
}

Invoke-Probe 'windows.system' {
    param($notes)
    $computer = $null
    $bios = $null
    $product = $null
    $processors = @()
    $read = 0
    try { $computer = (Get-Wmi 'Win32_ComputerSystem')[0]; $read++ } catch { [void]$notes.Add('Win32_ComputerSystem: ' + $_.Exception.Message) }
    try { $bios = (Get-Wmi 'Win32_BIOS')[0]; $read++ } catch { [void]$notes.Add('Win32_BIOS: ' + $_.Exception.Message) }
    try { $product = (Get-Wmi 'Win32_ComputerSystemProduct')[0]; $read++ } catch { [void]$notes.Add('Win32_ComputerSystemProduct: ' + $_.Exception.Message) }
    try { $processors = Get-Wmi 'Win32_Processor'; $read++ } catch { [void]$notes.Add('Win32_Processor: ' + $_.Exception.Message) }
    $enclosures = @()
    try { $enclosures = Get-Wmi 'Win32_SystemEnclosure' } catch { [void]$notes.Add('Win32_SystemEnclosure: ' + $_.Exception.Message) }
    if ($read -eq 0) { throw 'no system information could be read' }

    $chassis = New-Object System.Collections.ArrayList
    foreach ($enclosure in $enclosures) {
        foreach ($type in @($enclosure.ChassisTypes)) { if ($null -ne $type) { [void]$chassis.Add([int]$type) } }
    }
    $Facts['chassisTypes'] = $chassis

    if ($null -ne $computer) {
        $Facts['hostname'] = Get-Text $computer.DNSHostName
        if (-not $Facts['hostname']) { $Facts['hostname'] = Get-Text $computer.Name }
        # Domain holds the workgroup name when the machine is not joined: only a joined machine has a domain.
        if ((Get-Flag $computer.PartOfDomain) -eq $true) { $Facts['domain'] = Get-Text $computer.Domain }
        $Facts['manufacturer'] = Get-Text $computer.Manufacturer
        $Facts['rawModel'] = Get-Text $computer.Model
        $Facts['pcSystemType'] = $computer.PCSystemType
        $memory = Get-Integer $computer.TotalPhysicalMemory
        if ($null -ne $memory -and $memory -gt 0) { $Hardware['memoryBytes'] = $memory }
    }
    $productVersion = $null
    if ($null -ne $product) {
        if (-not $Facts['manufacturer']) { $Facts['manufacturer'] = Get-Text $product.Vendor }
        $Facts['uuid'] = Get-Text $product.UUID
        $productVersion = Get-Text $product.Version
    }
    $Facts['model'] = Get-ModelName $Facts['manufacturer'] $Facts['rawModel'] $productVersion

    # Serial: the BIOS's, else the product's IdentifyingNumber, else the enclosure's; placeholders skipped.
    $serial = $null
    if ($null -ne $bios) { $serial = Get-CleanSerial $bios.SerialNumber }
    if (-not $serial -and $null -ne $product) { $serial = Get-CleanSerial $product.IdentifyingNumber }
    foreach ($enclosure in $enclosures) { if (-not $serial) { $serial = Get-CleanSerial $enclosure.SerialNumber } }
    $Facts['serial'] = $serial

    if ($null -ne $bios) {
        $biosInfo = New-JsonObject
        $biosInfo['vendor'] = Get-Text $bios.Manufacturer
        $biosInfo['version'] = Get-Text $bios.SMBIOSBIOSVersion
        $releaseDate = ConvertFrom-WmiDateTime $bios.ReleaseDate
        if ($releaseDate) { $biosInfo['date'] = $releaseDate.Substring(0, 10) }
        if ($biosInfo['vendor'] -or $biosInfo['version'] -or $biosInfo['date']) { $Hardware['bios'] = $biosInfo }
    }

    $cpuModel = $null
    $cores = 0
    $threads = 0
    foreach ($processor in $processors) {
        $name = Get-Text $processor.Name
        if ($name -and -not $cpuModel) { $cpuModel = $name -replace '\s+', ' ' }
        $count = Get-Integer $processor.NumberOfCores
        if ($null -ne $count -and $count -gt 0) { $cores += $count }
        $count = Get-Integer $processor.NumberOfLogicalProcessors
        if ($null -ne $count -and $count -gt 0) { $threads += $count }
    }
    if ($cpuModel) {
        $cpu = New-JsonObject
        $cpu['model'] = $cpuModel
        if ($cores -gt 0) { $cpu['cores'] = $cores }
        if ($threads -gt 0) { $cpu['threads'] = $threads }
        $Hardware['cpu'] = $cpu
    }
}

# ---------------------------------------------------------------------------------------------------
# windows.disks-network: Win32_DiskDrive (+ MSFT_PhysicalDisk from Windows 8 on), Win32_NetworkAdapter

# Windows Vista and 7 report ATA serials as the hex of byte-swapped ASCII (40 hex digits for the
# 20-byte ATA field); Windows 8 fixed it. Decode when the result is printable, else keep it as is.
function ConvertFrom-DiskSerial($Raw) {
    if ($null -eq $Raw) { return $null }
    $text = ([string]$Raw).Trim()
    if ($text.Length -eq 40 -and $text -match '^[0-9A-Fa-f]+$') {
        $builder = New-Object System.Text.StringBuilder 20
        $printable = $true
        for ($i = 0; $i -lt 40; $i += 4) {
            foreach ($offset in @(2, 0)) {
                $code = [Convert]::ToInt32($text.Substring($i + $offset, 2), 16)
                if ($code -lt 0x20 -or $code -gt 0x7E) { $printable = $false } else { [void]$builder.Append([char]$code) }
            }
        }
        if ($printable -and $builder.ToString().Trim()) { $text = $builder.ToString().Trim() }
    }
    return Get-CleanSerial $text
}

# MSFT_PhysicalDisk (Windows 8+): BusType 7 USB, 14/15 virtual, 17 NVMe; MediaType 3 HDD, 4 SSD.
function Get-DiskType($Drive, $Physical) {
    $bus = $null
    $media = $null
    $friendly = ''
    if ($null -ne $Physical) {
        $bus = Get-Integer $Physical.BusType
        $media = Get-Integer $Physical.MediaType
        $friendly = [string]$Physical.FriendlyName
    }
    if ($bus -eq 17) { return 'nvme' }
    if ($bus -eq 7 -or [string]$Drive.InterfaceType -match '^\s*usb\s*$' -or [string]$Drive.MediaType -match 'removable|external') { return 'removable' }
    if ($bus -eq 14 -or $bus -eq 15 -or ([string]$Drive.Model + ' ' + $friendly) -match $VirtualDiskModels) { return 'virtual' }
    if ($media -eq 3) { return 'hdd' }
    if ($media -eq 4) { return 'ssd' }
    return 'other'
}

Invoke-Probe 'windows.disks-network' {
    param($notes)
    $failed = 0
    $physicalByNumber = @{}
    try {
        foreach ($physical in (Get-Wmi 'MSFT_PhysicalDisk' 'root\Microsoft\Windows\Storage')) {
            $number = Get-Integer $physical.DeviceId
            if ($null -ne $number) { $physicalByNumber[[string]$number] = $physical }
        }
    } catch {
        if ((Get-FailureKind $_) -eq 'absent') { [void]$notes.Add('MSFT_PhysicalDisk is not available on this Windows: disks are not told apart as SSD or HDD') }
        else { [void]$notes.Add('MSFT_PhysicalDisk: ' + $_.Exception.Message) }
    }
    try {
        foreach ($drive in (Get-Wmi 'Win32_DiskDrive')) {
            $disk = New-JsonObject
            $disk['model'] = Get-Text $drive.Model
            $disk['serial'] = Get-Text (ConvertFrom-DiskSerial $drive.SerialNumber)
            $size = Get-Integer $drive.Size
            if ($null -ne $size -and $size -gt 0) { $disk['sizeBytes'] = $size }
            $physical = $physicalByNumber[[string](Get-Integer $drive.Index)]
            $disk['type'] = Get-DiskType $drive $physical
            [void]$Hardware['disks'].Add($disk)
        }
    } catch {
        $failed++
        [void]$notes.Add('Win32_DiskDrive: ' + $_.Exception.Message)
    }
    try {
        # PhysicalAdapter (Vista and later) leaves out WAN miniports, ISATAP and other pseudo adapters.
        foreach ($adapter in (Get-Wmi 'Win32_NetworkAdapter' 'root\cimv2' 'PhysicalAdapter = TRUE')) {
            $nic = New-JsonObject
            $nic['name'] = Get-Text $adapter.Name
            if (-not $nic['name']) { continue }
            $mac = ([string]$adapter.MACAddress).Trim().ToLowerInvariant().Replace('-', ':')
            if ($mac -match '^[0-9a-f]{2}(:[0-9a-f]{2}){5}$' -and $mac -ne '00:00:00:00:00:00') { $nic['mac'] = $mac }
            $nic['virtual'] = ([string]$adapter.PNPDeviceID -match '^(ROOT|SWD)\\') -or ($nic['name'] -match $VirtualAdapters)
            [void]$Hardware['nics'].Add($nic)
        }
    } catch {
        $failed++
        [void]$notes.Add('Win32_NetworkAdapter: ' + $_.Exception.Message)
    }
    if ($failed -eq 2) { throw ('neither disks nor network adapters could be read: ' + [string]::Join('; ', [string[]]$notes.ToArray())) }
}

# ---------------------------------------------------------------------------------------------------
# windows.software-registry: both Uninstall views and every loaded HKEY_USERS\<user SID> hive

$UninstallPath = 'SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall'
$UninstallPathWow = 'SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall'
$SoftwareRows = New-Object System.Collections.ArrayList
$SoftwareKeys = New-Object System.Collections.ArrayList
$SoftwareSeen = New-Object System.Collections.Hashtable
$RegistrySeen = New-Object System.Collections.Hashtable

# Exact duplicates are written once (assemble.ts softwareKey: name, version, scope, user, source, arch).
function Add-SoftwareRow($Row) {
    $parts = @(([string]$Row['name']).ToLowerInvariant(), [string]$Row['version'], [string]$Row['scope'], [string]$Row['user'], [string]$Row['source'], [string]$Row['arch'])
    $key = [string]::Join([string][char]0, [string[]]$parts)
    if ($SoftwareSeen.ContainsKey($key)) { return }
    $SoftwareSeen[$key] = $true
    [void]$SoftwareRows.Add($Row)
    # Sorted by name, version and user, as assemble.ts does (ordinal here: the same on every locale).
    $sortParts = @(([string]$Row['name']).ToLowerInvariant(), [string]$Row['version'], [string]$Row['user'], $key)
    [void]$SoftwareKeys.Add([string]::Join([string][char]0, [string[]]$sortParts))
}

# Why an Uninstall entry is not a product of its own (windows/software-registry.ts skipReason), or $null.
function Get-SkipReason($Entry) {
    if (-not (Get-Verbatim $Entry.GetValue('DisplayName'))) { return 'no DisplayName' }
    # SystemComponent is a DWORD, sometimes written as a string; Office's "" means "not set".
    if ((Get-Integer $Entry.GetValue('SystemComponent')) -eq 1) { return 'SystemComponent' }
    if (Get-Text $Entry.GetValue('ParentKeyName')) { return 'ParentKeyName' }
    $releaseType = Get-Text $Entry.GetValue('ReleaseType')
    if ($releaseType -and $UpdateReleaseTypes -contains $releaseType.ToLowerInvariant()) { return 'ReleaseType' }
    return $null
}

# Reads one Uninstall key; returns $false when the key does not exist.
function Read-UninstallEntries([Microsoft.Win32.RegistryKey]$Root, [string]$Path, [string]$Scope, [string]$User, [string]$Arch) {
    $key = $Root.OpenSubKey($Path)
    if ($null -eq $key) { return $false }
    try {
        foreach ($subName in $key.GetSubKeyNames()) {
            $entry = $key.OpenSubKey($subName)
            if ($null -eq $entry) { continue }
            try {
                if ($null -ne (Get-SkipReason $entry)) { continue }
                $row = New-JsonObject
                $row['name'] = Get-Verbatim $entry.GetValue('DisplayName')
                $row['version'] = Get-Text $entry.GetValue('DisplayVersion') 256
                $row['publisher'] = Get-Text $entry.GetValue('Publisher') 1024
                $row['installedOn'] = ConvertFrom-Yyyymmdd $entry.GetValue('InstallDate')
                if ((Get-Flag $entry.GetValue('WindowsInstaller')) -eq $true) { $row['source'] = 'msi' } else { $row['source'] = 'registry' }
                $row['scope'] = $Scope
                if ($User) { $row['user'] = Get-Text $User 256 }
                if ($Arch) { $row['arch'] = $Arch }
                if (-not $row['name']) { continue }
                # The same program in both registry views (or twice in one) is one entry: the first wins.
                $registryKey = [string]::Join([string][char]0, [string[]]@($row['name'].Trim().ToLowerInvariant(), [string]$row['version'], $Scope, [string]$row['user']))
                if ($RegistrySeen.ContainsKey($registryKey)) { continue }
                $RegistrySeen[$registryKey] = $true
                Add-SoftwareRow $row
            } finally { $entry.Close() }
        }
    } finally { $key.Close() }
    return $true
}

# DOMAIN\user for a SID, or $null for an account deleted since its profile was made.
function Get-AccountName([string]$Sid) {
    try { return (New-Object System.Security.Principal.SecurityIdentifier $Sid).Translate([System.Security.Principal.NTAccount]).Value } catch { return $null }
}

Invoke-Probe 'windows.software-registry' {
    param($notes)
    $machine = [Microsoft.Win32.Registry]::LocalMachine
    $is64 = ($Os['arch'] -eq 'x64' -or $Os['arch'] -eq 'arm64' -or (Test-RegistryKey $machine 'SOFTWARE\WOW6432Node'))
    if ($is64) {
        $present = Read-UninstallEntries $machine $UninstallPath 'machine' $null 'x64'
        [void](Read-UninstallEntries $machine $UninstallPathWow 'machine' $null 'x86')
    } else {
        $present = Read-UninstallEntries $machine $UninstallPath 'machine' $null 'x86'
    }
    if (-not $present) { throw ('the machine''s Uninstall key could not be read: HKLM\' + $UninstallPath + ' is missing') }

    $users = [Microsoft.Win32.Registry]::Users
    $loaded = @{}
    foreach ($sid in $users.GetSubKeyNames()) {
        if ($sid -notmatch $UserSidPattern) { continue }
        $loaded[$sid] = $true
        $account = Get-AccountName $sid
        if (-not $account) { $account = $sid }
        try { [void](Read-UninstallEntries $users ($sid + '\' + $UninstallPath) 'user' $account $null) } catch { [void]$notes.Add('HKU\' + $sid + '\' + $UninstallPath + ': ' + $_.Exception.Message) }
    }

    # A profile whose hive is not loaded (user signed out) cannot be read without loading NTUSER.DAT.
    $who = New-Object System.Collections.ArrayList
    $profileList = $machine.OpenSubKey('SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList')
    if ($null -ne $profileList) {
        try {
            foreach ($sid in $profileList.GetSubKeyNames()) {
                if ($sid -notmatch $UserSidPattern -or $loaded.ContainsKey($sid)) { continue }
                $account = Get-AccountName $sid
                $profilePath = Get-Text (Get-RegistryValue $profileList $sid 'ProfileImagePath')
                if ($account -and $profilePath) { [void]$who.Add($account + ' (' + $sid + ', ' + $profilePath + ')') }
                elseif ($account) { [void]$who.Add($account + ' (' + $sid + ')') }
                elseif ($profilePath) { [void]$who.Add($sid + ' (' + $profilePath + ')') }
                else { [void]$who.Add($sid) }
            }
        } finally { $profileList.Close() }
    }
    if ($who.Count -gt 0) {
        $plural = ''
        if ($who.Count -ne 1) { $plural = 's' }
        $notes.Insert(0, 'per-user software not read for ' + $who.Count + ' profile' + $plural + ' whose registry hive is not loaded (user signed out): ' + [string]::Join(', ', [string[]]$who.ToArray()))
    }
}

# ---------------------------------------------------------------------------------------------------
# windows.software-appx: Appx/MSIX arrived with Windows 8; on Windows 7 this is "unsupported".

# The CN of a certificate subject ("CN=Microsoft Corporation, O=..."), quotes removed.
function Get-CommonName([string]$Subject) {
    if ($Subject -match '(?:^|,)\s*CN=("(?:[^"]|"")*"|[^,]*)') {
        $value = $matches[1].Trim()
        if ($value.StartsWith('"')) { $value = $value.Substring(1, $value.Length - 2).Replace('""', '"') }
        if ($value) { return $value }
    }
    return $null
}

Invoke-Probe 'windows.software-appx' {
    param($notes)
    $version = [Environment]::OSVersion.Version
    if ($version.Major -lt 6 -or ($version.Major -eq 6 -and $version.Minor -lt 2)) {
        Stop-ProbeUnsupported ('Appx/MSIX packages do not exist before Windows 8 (this is Windows ' + $version.Major + '.' + $version.Minor + ')')
    }
    if ($PSVersionTable.PSVersion.Major -ge 3) {
        # Windows 8 and later ship PowerShell 3.0+ with the Appx module (windows/software-appx.ts, -AllUsers only).
        if ($null -eq (Get-Command -Name 'Get-AppxPackage' -ErrorAction SilentlyContinue)) { Stop-ProbeUnsupported 'Get-AppxPackage is not available: this Windows has no Appx/MSIX support' }
        foreach ($package in @(Get-AppxPackage -AllUsers)) {
            if ($package.IsFramework -or $package.IsResourcePackage) { continue }
            $signatureKind = $null
            if ($null -ne $package.SignatureKind) { $signatureKind = [string]$package.SignatureKind }
            if ($signatureKind) { if ($signatureKind -eq 'System') { continue } }
            elseif ([string]$package.Publisher -match '^CN=Microsoft Windows,') { continue }
            $name = Get-Text $package.Name
            if (-not $name) { continue }
            $publisher = $null
            if ($package.InstallLocation) {
                try { $publisher = Get-Text ([xml][System.IO.File]::ReadAllText((Join-Path $package.InstallLocation 'AppxManifest.xml'))).Package.Properties.PublisherDisplayName } catch { }
            }
            if (-not $publisher -or $publisher -match '^ms-resource:') { $publisher = Get-CommonName ([string]$package.Publisher) }
            foreach ($userInfo in @($package.PackageUserInformation)) {
                if ($null -eq $userInfo) { continue }
                $state = Get-Text ([string]$userInfo.InstallState)
                if ($state -and $state -ne 'Installed') { continue }
                $account = Get-Text ([string]$userInfo.UserSecurityId.Username)
                if (-not $account -or $account -match '^unknown user$') { $account = Get-Text ([string]$userInfo.UserSecurityId.Sid) }
                $row = New-JsonObject
                $row['name'] = $name
                $row['version'] = Get-Text ([string]$package.Version) 256
                $row['publisher'] = Get-Text $publisher 1024
                $row['source'] = 'appx'
                $row['scope'] = 'user'
                $row['user'] = Get-Text $account 256
                $architecture = Get-Text ([string]$package.Architecture) 32
                if ($architecture) { $row['arch'] = $architecture.ToLowerInvariant() }
                Add-SoftwareRow $row
            }
        }
    } else {
        Stop-ProbeUnsupported ('reading Appx packages needs PowerShell 3.0 or later; this is PowerShell ' + $PSVersionTable.PSVersion)
    }
}

Add-SortedRows $Software $SoftwareRows $SoftwareKeys

# ---------------------------------------------------------------------------------------------------
# windows.peripherals: monitors (EDID via WmiMonitorID), USB devices, printers (windows/peripherals.ts)

# WmiMonitorID strings are uint16 arrays, zero padded.
function ConvertFrom-WmiCharArray($Codes) {
    if ($null -eq $Codes) { return $null }
    $builder = New-Object System.Text.StringBuilder
    foreach ($code in @($Codes)) {
        if ($null -eq $code -or [int]$code -eq 0) { break }
        [void]$builder.Append([char][int]$code)
    }
    $text = $builder.ToString().Trim()
    if ($text.Length -eq 0) { return $null }
    return $text
}

# EDID manufacturer id: three letters packed 5 bits each, 'A' = 1 ("DEL" -> 10ac), as vendorId.
function ConvertTo-EdidVendorId([string]$Letters) {
    if ($Letters -cnotmatch '^[A-Z]{3}$') { return $null }
    $value = ([int]$Letters[0] - 64) * 1024 + ([int]$Letters[1] - 64) * 32 + ([int]$Letters[2] - 64)
    return $value.ToString('x4')
}

function Test-SoftwarePrinter($Printer) {
    $driver = [string]$Printer.DriverName
    $port = [string]$Printer.PortName
    $name = [string]$Printer.Name
    foreach ($pattern in $SoftwarePrinterDrivers) { if ($driver.Trim() -match $pattern) { return $true } }
    foreach ($pattern in $SoftwarePrinterPorts) { if ($port.Trim() -match $pattern) { return $true } }
    foreach ($pattern in $SoftwarePrinterNames) { if ($name.Trim() -match $pattern) { return $true } }
    return $false
}

Invoke-Probe 'windows.peripherals' {
    param($notes)
    $peripherals = $Hardware['peripherals']
    $failed = 0

    try {
        foreach ($monitor in (Get-Wmi 'WmiMonitorID' 'root\wmi')) {
            if ((Get-Flag $monitor.Active) -eq $false) { continue }
            $row = New-JsonObject
            $row['kind'] = 'monitor'
            # The 3-letter PNP id itself (DEL, HPN, SAM): EDID carries no vendor name.
            $code = ConvertFrom-WmiCharArray $monitor.ManufacturerName
            if ($code) { $code = $code.ToUpperInvariant() }
            $row['vendor'] = Get-Text $code
            $row['product'] = Get-Text (ConvertFrom-WmiCharArray $monitor.UserFriendlyName)
            $row['vendorId'] = ConvertTo-EdidVendorId $code
            $productCode = ConvertFrom-WmiCharArray $monitor.ProductCodeID
            if ($productCode -and $productCode.ToLowerInvariant() -match '^[0-9a-f]{4}$') { $row['productId'] = $productCode.ToLowerInvariant() }
            $row['serial'] = Get-Text (Get-CleanSerial (ConvertFrom-WmiCharArray $monitor.SerialNumberID))
            [void]$peripherals.Add($row)
        }
    } catch {
        $failed++
        # Virtual machines and remote sessions without an EDID-capable display answer "not supported".
        if ((Get-FailureKind $_) -eq 'absent') { [void]$notes.Add('no monitor reports an EDID (WmiMonitorID: not supported, usual on virtual machines)') }
        else { [void]$notes.Add('WmiMonitorID: ' + $_.Exception.Message) }
    }

    try {
        # USB\VID_046D&PID_08C9\6BE882AB is a device; USB\VID_046D&PID_08C9&MI_00\7&E16BD72&0&0000 one
        # function of a composite device. Hubs are infrastructure and left out.
        $parents = New-Object System.Collections.ArrayList
        $functions = New-Object System.Collections.ArrayList
        foreach ($device in (Get-Wmi 'Win32_PnPEntity' 'root\cimv2' "DeviceID LIKE 'USB%'")) {
            $deviceId = Get-Text $device.DeviceID
            if (-not ($deviceId -match '^USB\\VID_([0-9A-F]{4})&PID_([0-9A-F]{4})((?:&[^\\]*)?)\\(.+)$')) { continue }
            $parsed = @{ device = $device; vendorId = $matches[1].ToLowerInvariant(); productId = $matches[2].ToLowerInvariant(); interface = $null; instance = $matches[4] }
            if ($matches[3] -match '&MI_([0-9A-F]{2})') { $parsed['interface'] = $matches[1] }
            if ([string]$device.Service -match '^usbhub' -or [string]$device.Name -match '\bhub\b') { continue }
            if ($null -eq $parsed['interface']) { [void]$parents.Add($parsed) } else { [void]$functions.Add($parsed) }
        }
        $functionKeys = New-Object System.Collections.ArrayList
        foreach ($fn in $functions) { [void]$functionKeys.Add([string]$fn['interface']) }
        $sortedFunctions = New-Object System.Collections.ArrayList
        Add-SortedRows $sortedFunctions $functions $functionKeys
        $parentIds = @{}
        foreach ($parent in $parents) { $parentIds[$parent['vendorId'] + ':' + $parent['productId']] = $true }
        # Devices, and the functions whose parent device is not listed; in DeviceID order for stable diffs.
        $listed = New-Object System.Collections.ArrayList
        $listedKeys = New-Object System.Collections.ArrayList
        foreach ($parent in $parents) { [void]$listed.Add($parent); [void]$listedKeys.Add([string]$parent['device'].DeviceID) }
        foreach ($fn in $sortedFunctions) {
            if (-not $parentIds.ContainsKey($fn['vendorId'] + ':' + $fn['productId'])) { [void]$listed.Add($fn); [void]$listedKeys.Add([string]$fn['device'].DeviceID) }
        }
        $devices = New-Object System.Collections.ArrayList
        Add-SortedRows $devices $listed $listedKeys
        foreach ($item in $devices) {
            $device = $item['device']
            $row = New-JsonObject
            $row['kind'] = 'usb'
            $manufacturer = Get-Text $device.Manufacturer
            $row['vendor'] = $UsbVendors[$item['vendorId']]
            if (-not $row['vendor'] -and $manufacturer -and $manufacturer -notmatch $GenericManufacturer) { $row['vendor'] = $manufacturer }
            # A composite device (usbccgp, "USB Composite Device") takes the name of its first function.
            $product = $null
            if ([string]$device.Service -match '^usbccgp$') {
                foreach ($fn in $sortedFunctions) {
                    if (-not $product -and $fn['vendorId'] -eq $item['vendorId'] -and $fn['productId'] -eq $item['productId']) { $product = Get-Text $fn['device'].Name }
                }
            }
            if (-not $product) { $product = Get-Text $device.Name }
            $row['product'] = $product
            $row['vendorId'] = $item['vendorId']
            $row['productId'] = $item['productId']
            # Windows makes up instance ids containing "&" for devices without a serial number.
            if ($null -eq $item['interface'] -and -not $item['instance'].Contains('&')) { $row['serial'] = Get-Text (Get-CleanSerial $item['instance']) }
            [void]$peripherals.Add($row)
        }
    } catch {
        $failed++
        [void]$notes.Add('Win32_PnPEntity: ' + $_.Exception.Message)
    }

    try {
        foreach ($printer in (Get-Wmi 'Win32_Printer')) {
            $name = Get-Text $printer.Name
            if (-not $name -or (Test-SoftwarePrinter $printer)) { continue }
            $row = New-JsonObject
            $row['kind'] = 'printer'
            $row['product'] = $name
            [void]$peripherals.Add($row)
        }
    } catch {
        $failed++
        [void]$notes.Add('Win32_Printer: ' + $_.Exception.Message)
    }
    if ($failed -eq 3) { throw ('no peripheral could be read: ' + [string]::Join('; ', [string[]]$notes.ToArray())) }
}

# ---------------------------------------------------------------------------------------------------
# windows.security: firewall, antivirus, BitLocker, pending reboot, last hotfix (windows/security.ts)

# `netsh advfirewall show allprofiles state`; English output only, other languages are reported as unknown.
function ConvertFrom-NetshFirewall($Lines) {
    $profiles = New-JsonObject
    $current = $null
    foreach ($line in @($Lines)) {
        $text = ([string]$line).Trim()
        if ($text -match '^(\w+) Profile Settings:') { $current = $matches[1] }
        if ($text -match '^State\s+(ON|OFF)\s*$' -and $current) { $profiles[$current] = ($matches[1].ToUpperInvariant() -eq 'ON') }
    }
    return , $profiles
}

# Opens a key to see whether it exists; a key this account may not open exists all the same.
function Test-RebootKey([string]$Path) {
    try { return Test-RegistryKey ([Microsoft.Win32.Registry]::LocalMachine) $Path }
    catch {
        # .NET exceptions reach PowerShell wrapped in a MethodInvocationException: look underneath.
        if ($_.Exception.GetBaseException() -is [System.Security.SecurityException]) { return $true }
        throw $_
    }
}

Invoke-Probe 'windows.security' {
    param($notes)

    try {
        $profiles = ConvertFrom-NetshFirewall @(& netsh.exe advfirewall show allprofiles state)
        if ($profiles.Count -gt 0) {
            $enabled = $true
            foreach ($state in $profiles.Values) { if (-not $state) { $enabled = $false } }
            $firewall = New-JsonObject
            $firewall['enabled'] = $enabled
            $firewall['profiles'] = $profiles
            $firewall['product'] = 'Windows Firewall'
            $Security['firewall'] = $firewall
        } else {
            [void]$notes.Add('netsh advfirewall output not understood (not English?): firewall state unknown')
        }
    } catch { [void]$notes.Add('netsh advfirewall: ' + $_.Exception.Message) }

    # Security Center exists on client editions only (not on Windows Server).
    try {
        $antivirus = New-JsonList
        foreach ($product in (Get-Wmi 'AntiVirusProduct' 'root\SecurityCenter2')) {
            $row = New-JsonObject
            $row['name'] = Get-Text $product.displayName
            if (-not $row['name']) { continue }
            # productState bit field (undocumented; see windows/security.ts decodeProductState):
            # bits 12-15 = 1: on; bits 4-7 = 0: signatures up to date.
            $state = Get-Integer $product.productState
            if ($null -ne $state) {
                $row['enabled'] = (($state -band 0xF000) -eq 0x1000)
                $row['upToDate'] = (($state -band 0xF0) -eq 0)
            }
            [void]$antivirus.Add($row)
        }
        $Security['antivirus'] = $antivirus
    } catch {
        if ((Get-FailureKind $_) -eq 'absent') { [void]$notes.Add('no Security Center on this Windows (Windows Server): antivirus state unknown') }
        else { [void]$notes.Add('AntiVirusProduct: ' + $_.Exception.Message) }
    }

    # BitLocker: Windows 7 Enterprise and Ultimate only; elsewhere the namespace is missing, and the
    # volumes stay unknown rather than "not encrypted" (another product may encrypt them).
    try {
        $volumes = Get-Wmi 'Win32_EncryptableVolume' 'root\cimv2\Security\MicrosoftVolumeEncryption'
        $encryption = New-JsonList
        foreach ($volume in $volumes) {
            $letter = Get-Text $volume.DriveLetter 512
            if (-not $letter) { continue }
            # Windows 8 added ConversionStatus and EncryptionMethod as properties; Windows 7 has the methods.
            $conversion = Get-Integer $volume.ConversionStatus
            if ($null -eq $conversion) { try { $conversion = Get-Integer ($volume.GetConversionStatus().ConversionStatus) } catch { } }
            $protection = Get-Integer $volume.ProtectionStatus
            if ($null -ne $protection) { $encrypted = ($protection -eq 1) } else { $encrypted = ($conversion -eq 1) }
            if (-not $encrypted -and $conversion -eq 1) { [void]$notes.Add($letter + ' is encrypted but BitLocker protection is suspended (the key is readable on the disk)') }
            $row = New-JsonObject
            $row['volume'] = $letter
            $row['encrypted'] = $encrypted
            if ($encrypted) {
                $method = Get-Integer $volume.EncryptionMethod
                if ($null -eq $method) { try { $method = Get-Integer ($volume.GetEncryptionMethod().EncryptionMethod) } catch { } }
                if ($null -ne $method -and $EncryptionMethods.ContainsKey([int]$method)) { $row['method'] = 'BitLocker ' + $EncryptionMethods[[int]$method] }
            }
            [void]$encryption.Add($row)
        }
        $Security['diskEncryption'] = $encryption
    } catch {
        $kind = Get-FailureKind $_
        if ($kind -eq 'denied') { [void]$notes.Add('BitLocker status needs administrator rights: disk encryption unknown') }
        elseif ($kind -eq 'absent') { [void]$notes.Add('BitLocker is not part of this Windows edition: disk encryption unknown') }
        else { [void]$notes.Add('Win32_EncryptableVolume: ' + $_.Exception.Message) }
    }

    try {
        $componentBasedServicing = Test-RebootKey 'SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending'
        $windowsUpdate = Test-RebootKey 'SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired'
        $Security['pendingReboot'] = ($componentBasedServicing -or $windowsUpdate)
    } catch { [void]$notes.Add('pending reboot keys: ' + $_.Exception.Message) }

    try {
        $latest = $null
        foreach ($fix in (Get-Wmi 'Win32_QuickFixEngineering')) {
            # The raw WMI value: PowerShell 3.0+ types.ps1xml wraps InstalledOn in a script property.
            $date = ConvertFrom-HotfixDate $fix.psbase.Properties['InstalledOn'].Value
            if ($date -and ($null -eq $latest -or [string]::CompareOrdinal($date, $latest) -gt 0)) { $latest = $date }
        }
        $Security['lastUpdateInstalled'] = $latest
    } catch { [void]$notes.Add('Win32_QuickFixEngineering: ' + $_.Exception.Message) }

    $known = $false
    foreach ($value in $Security.Values) { if ($null -ne $value) { $known = $true } }
    if (-not $known) { throw ('no security fact could be read: ' + [string]::Join('; ', [string[]]$notes.ToArray())) }
}

# ---------------------------------------------------------------------------------------------------
# Endpoint identity and type (agent/src/identity.ts, agent/src/endpoint-type.ts)

# classifyEndpoint, then Win32_ComputerSystem.PCSystemType when the chassis says nothing (windows/system.ts).
function Get-EndpointType {
    $names = @([string]$Facts['manufacturer'], [string]$Facts['rawModel'])
    foreach ($name in $names) { if (Test-VirtualMarker $name) { return 'virtual' } }
    $productType = Get-Integer $Facts['productType']
    if ($productType -eq 2 -or $productType -eq 3 -or [string]$Facts['editionId'] -match 'server') { return 'server' }
    if ($null -ne $Facts['chassisTypes']) {
        foreach ($code in $Facts['chassisTypes']) {
            $type = $ChassisTypeMap[[int]$code]
            if ($type) { return $type }
        }
    }
    $pcSystemType = Get-Integer $Facts['pcSystemType']
    if ($null -ne $pcSystemType -and $PcSystemTypeMap.ContainsKey([int]$pcSystemType)) { return $PcSystemTypeMap[[int]$pcSystemType] }
    return 'other'
}

function New-EndpointObject {
    $hostname = ([string]$Facts['hostname']).Trim()
    if (-not $hostname) { $hostname = $ComputerName }
    if (-not $hostname) { $hostname = 'unknown' }
    $endpoint = New-JsonObject
    $endpoint['id'] = $null
    $endpoint['idSource'] = $null
    $uuid = Get-NormalizedUuid $Facts['uuid']
    $machineId = ([string]$Facts['machineId']).Trim().ToLowerInvariant()
    $serial = Get-CleanSerial $Facts['serial']
    if ($uuid -and -not (Test-PlaceholderUuid $uuid)) {
        $endpoint['id'] = $uuid
        $endpoint['idSource'] = 'smbios-uuid'
    } elseif ($machineId) {
        $endpoint['id'] = New-UuidV5 ('machine-id:' + $machineId)
        $endpoint['idSource'] = 'machine-guid'
    } elseif ($serial) {
        $endpoint['id'] = New-UuidV5 ('serial:' + ([string]$Facts['manufacturer']).Trim().ToLowerInvariant() + ':' + $serial.ToLowerInvariant())
        $endpoint['idSource'] = 'serial'
    } else {
        $endpoint['id'] = New-UuidV5 ('hostname:' + $hostname.ToLowerInvariant())
        $endpoint['idSource'] = 'hostname'
    }
    $endpoint['hostname'] = Get-Text $hostname
    $endpoint['domain'] = Get-Text $Facts['domain']
    $endpoint['manufacturer'] = Get-Text $Facts['manufacturer']
    $endpoint['model'] = Get-Text $Facts['model']
    $endpoint['serial'] = Get-Text $serial
    $endpoint['type'] = Get-EndpointType
    $endpoint['uuid'] = Get-Text $Facts['uuid']
    $endpoint['machineId'] = Get-Text $Facts['machineId']
    return , $endpoint
}

# ---------------------------------------------------------------------------------------------------
# Assemble, write, submit

$ScanId = [guid]::NewGuid().ToString()
if (-not $Os['name']) { $Os['name'] = [Environment]::OSVersion.VersionString }

$Document = New-JsonObject
$Document['schema'] = $SchemaName
$Document['scanId'] = $ScanId
$Document['collectedAt'] = Format-UtcTimestamp ([datetime]::UtcNow)
$agentInfo = New-JsonObject
$agentInfo['name'] = $AgentName
$agentInfo['version'] = $ScriptVersion
$Document['agent'] = $agentInfo
$Document['client'] = $null
if ($Client) { $Document['client'] = $Client }
try {
    $Document['endpoint'] = New-EndpointObject
} catch {
    # Never lose a scan to the identity code: fall back to a random id, flagged as hostname-derived.
    Write-Log 'ERROR' ('endpoint identity: ' + (Get-ErrorText $_))
    $fallback = New-JsonObject
    $fallback['id'] = [guid]::NewGuid().ToString()
    $fallback['idSource'] = 'hostname'
    $fallback['hostname'] = $ComputerName
    $fallback['type'] = 'other'
    $Document['endpoint'] = $fallback
}
$Document['os'] = $Os
$Document['hardware'] = $Hardware
$Document['software'] = $Software
$Document['security'] = $Security
$Document['probes'] = $Probes

$Json = ConvertTo-JsonDocument $Document
$Utf8 = New-Object System.Text.UTF8Encoding $false
$JsonBytes = $Utf8.GetBytes($Json)

function Write-FileAtomically([string]$Path, [byte[]]$Bytes) {
    $directory = Split-Path -Parent $Path
    if ($directory -and -not (Test-Path -LiteralPath $directory)) { [void][System.IO.Directory]::CreateDirectory($directory) }
    $partial = $Path + '.partial'
    [System.IO.File]::WriteAllBytes($partial, $Bytes)
    if (Test-Path -LiteralPath $Path) { Remove-Item -LiteralPath $Path -Force }
    [System.IO.File]::Move($partial, $Path)
}

$Written = $false
try {
    Write-FileAtomically $OutFile $JsonBytes
    $Written = $true
    Write-Log 'INFO' ('wrote ' + $OutFile + ' (' + $Software.Count + ' software entries, scanId ' + $ScanId + ')')
} catch {
    Write-Log 'ERROR' ('could not write ' + $OutFile + ': ' + $_.Exception.Message)
}

# TLS 1.2 is SecurityProtocolType 3072; .NET 3.5 knows it only with the 2016 TLS updates (KB3154518 era).
function Enable-Tls12 {
    try {
        $current = [int][System.Net.ServicePointManager]::SecurityProtocol
        [System.Net.ServicePointManager]::SecurityProtocol = [System.Net.SecurityProtocolType]($current -bor 3072)
        return $true
    } catch {
        Write-Log 'WARN' ('TLS 1.2 is not available to .NET here (install the .NET 3.5 TLS 1.2 update): ' + $_.Exception.Message)
        return $false
    }
}

function Find-WebException($Exception) {
    $current = $Exception
    while ($null -ne $current) {
        if ($current -is [System.Net.WebException]) { return $current }
        $current = $current.InnerException
    }
    return $null
}

# Statuses after which sending the same document again cannot succeed (the collector's contract):
# bad document, bad token, wrong client, too large, wrong type. Everything else is worth a retry.
$PermanentStatuses = @(400, 401, 403, 404, 409, 413, 415, 422)

# POSTs one document; returns 'accepted' (2xx: stored, or already stored), 'rejected' (a permanent
# refusal: the document goes to the rejected folder) or 'retry' (network error, timeout, 5xx, 429...).
function Send-Inventory([byte[]]$Bytes, [string]$Label) {
    try {
        $request = [System.Net.HttpWebRequest]::Create($SubmitUrl)
        $request.Method = 'POST'
        $request.ContentType = 'application/json'
        $request.Accept = 'application/json'
        $request.UserAgent = $AgentName + '/' + $ScriptVersion
        $request.Headers.Add('Authorization', 'Bearer ' + $Token)
        $request.Timeout = 60000
        $request.ReadWriteTimeout = 60000
        $request.AllowAutoRedirect = $false
        $request.Proxy = [System.Net.WebRequest]::DefaultWebProxy
        if ($null -ne $request.Proxy) { $request.Proxy.Credentials = [System.Net.CredentialCache]::DefaultCredentials }
        $request.ContentLength = $Bytes.Length
        $stream = $request.GetRequestStream()
        try { $stream.Write($Bytes, 0, $Bytes.Length) } finally { $stream.Close() }
        $response = $request.GetResponse()
        $status = [int]$response.StatusCode
        $response.Close()
        if ($status -ge 200 -and $status -lt 300) {
            Write-Log 'INFO' ('submitted ' + $Label + ': HTTP ' + $status)
            return 'accepted'
        }
        Write-Log 'ERROR' ('submit ' + $Label + ': HTTP ' + $status + ' (redirects are not followed: give the final URL)')
        return 'rejected'
    } catch {
        $webException = Find-WebException $_.Exception
        if ($null -ne $webException -and $null -ne $webException.Response) {
            $status = [int]$webException.Response.StatusCode
            $body = ''
            try {
                $reader = New-Object System.IO.StreamReader ($webException.Response.GetResponseStream())
                $body = $reader.ReadToEnd()
                $reader.Close()
            } catch { }
            $webException.Response.Close()
            if ($body.Length -gt 500) { $body = $body.Substring(0, 500) }
            Write-Log 'ERROR' ('submit ' + $Label + ': HTTP ' + $status + ' ' + $body)
            if ($PermanentStatuses -contains $status) { return 'rejected' }
        } else {
            Write-Log 'ERROR' ('submit ' + $Label + ': ' + $_.Exception.Message)
        }
        return 'retry'
    }
}

function Save-ToSpool([string]$FileName, [byte[]]$Bytes) {
    try {
        if (-not (Test-Path -LiteralPath $SpoolDir)) { [void][System.IO.Directory]::CreateDirectory($SpoolDir) }
        $target = Join-Path $SpoolDir $FileName
        Write-FileAtomically $target $Bytes
        Write-Log 'WARN' ('kept the scan in the spool folder: ' + $target)
        return $true
    } catch {
        Write-Log 'ERROR' ('could not write to the spool folder ' + $SpoolDir + ': ' + $_.Exception.Message)
        return $false
    }
}

# A document the collector refused for good is kept (never deleted) in the rejected folder, so a refused
# scan cannot block the ones behind it; fix the cause (a token, a client) and move them back to resend.
function Move-ToRejected([string]$FileName, [byte[]]$Bytes, [string]$SourcePath) {
    try {
        $rejected = Join-Path $SpoolDir 'rejected'
        if (-not (Test-Path -LiteralPath $rejected)) { [void][System.IO.Directory]::CreateDirectory($rejected) }
        Write-FileAtomically (Join-Path $rejected $FileName) $Bytes
        if ($SourcePath -and (Test-Path -LiteralPath $SourcePath)) { Remove-Item -LiteralPath $SourcePath -Force }
        Write-Log 'WARN' ('the collector refused ' + $FileName + ' for good; kept in ' + $rejected)
    } catch {
        Write-Log 'ERROR' ('could not keep the refused scan in ' + $SpoolDir + '\rejected: ' + $_.Exception.Message)
    }
}

# At most $MaxSpooled scans wait; the oldest are dropped with a warning naming them.
$MaxSpooled = 200
function Limit-Spool {
    if (-not (Test-Path -LiteralPath $SpoolDir)) { return }
    $files = @(Get-ChildItem -LiteralPath $SpoolDir -Filter '*.json' | Sort-Object -Property Name)
    $excess = $files.Count - $MaxSpooled
    for ($i = 0; $i -lt $excess; $i++) {
        Remove-Item -LiteralPath $files[$i].FullName -Force
        Write-Log 'WARN' ('spool full (' + $MaxSpooled + ' scans): dropped the oldest, ' + $files[$i].Name)
    }
}

# Sends scans kept by earlier runs, oldest first; stops at the first temporary failure (they stay spooled).
function Send-Spooled {
    if (-not (Test-Path -LiteralPath $SpoolDir)) { return }
    $files = @(Get-ChildItem -LiteralPath $SpoolDir -Filter '*.json' | Sort-Object -Property Name)
    $sent = 0
    foreach ($file in $files) {
        if ($sent -ge 50) { break }
        if ($file.FullName -eq $OutFile) { continue }
        $bytes = [System.IO.File]::ReadAllBytes($file.FullName)
        $result = Send-Inventory $bytes $file.Name
        if ($result -eq 'retry') { break }
        if ($result -eq 'rejected') { Move-ToRejected $file.Name $bytes $file.FullName; continue }
        Remove-Item -LiteralPath $file.FullName -Force
        $sent++
    }
    if ($sent -gt 0) { Write-Log 'INFO' ('sent ' + $sent + ' spooled scan(s)') }
}

$ExitCode = $ExitOk
if ($SubmitUrl) {
    if ($SubmitUrl -match '^https:') { [void](Enable-Tls12) }
    $result = Send-Inventory $JsonBytes (Split-Path -Leaf $OutFile)
    $spoolName = Split-Path -Leaf $OutFile
    $inSpool = $Written -and ((Split-Path -Parent $OutFile).TrimEnd('\') -eq $SpoolDir.TrimEnd('\'))
    if ($result -eq 'accepted') {
        try { Send-Spooled } catch { Write-Log 'WARN' ('spool: ' + $_.Exception.Message) }
    } elseif ($result -eq 'rejected') {
        $source = $null
        if ($inSpool) { $source = $OutFile }
        Move-ToRejected $spoolName $JsonBytes $source
        $ExitCode = $ExitSpooled
    } else {
        if (-not $inSpool) { [void](Save-ToSpool $spoolName $JsonBytes) }
        try { Limit-Spool } catch { Write-Log 'WARN' ('spool: ' + $_.Exception.Message) }
        $ExitCode = $ExitSpooled
    }
}
if (-not $Written) {
    if (-not $SubmitUrl) { [void](Save-ToSpool (Split-Path -Leaf $OutFile) $JsonBytes) }
    $ExitCode = $ExitNotWritten
}

Write-Log 'INFO' ('done in ' + [int]([datetime]::UtcNow - $Started).TotalSeconds + ' s, exit code ' + $ExitCode)
exit $ExitCode
