#!/usr/bin/env node
// Deterministic synthetic fleet for the evaluate benchmark: one caveat.inventory/v1 file per endpoint
// (compact JSON, as the agent writes it) and a matching client catalog of about 2,000 entries.
// No dependencies; a seeded PRNG per endpoint, so endpoint i is the same whatever the fleet size
// (a 1,000-endpoint fleet is the first 1,000 endpoints of a 16,000-endpoint one).
//
//   node bench/gen-fleet.mjs --endpoints 1000 --dir .bench/fleet [--catalog-dir .bench/catalog] [--seed 42]
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** Bump when the generated content changes: cached fleets with another version are regenerated. */
export const GENERATOR_VERSION = 1;
/** Every collectedAt falls in the week before this date; evaluate with --as-of AS_OF. */
export const AS_OF = "2026-11-23";
export const CLIENT = "bench-client";

// ---------------------------------------------------------------- PRNG

/** 32-bit string hash (xmur3) used to seed per-endpoint streams. */
function hashSeed(text) {
  let h = 1779033703 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  h = Math.imul(h ^ (h >>> 16), 2246822507);
  h = Math.imul(h ^ (h >>> 13), 3266489909);
  return (h ^= h >>> 16) >>> 0;
}

/** sfc32: small, fast, good enough for test data. */
function prng(...parts) {
  let a = hashSeed(`a:${parts.join(":")}`);
  let b = hashSeed(`b:${parts.join(":")}`);
  let c = hashSeed(`c:${parts.join(":")}`);
  let d = 1;
  const next = () => {
    a |= 0; b |= 0; c |= 0; d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  const rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (list) => list[Math.floor(next() * list.length)],
    /** list of [weight, value] */
    weighted: (list) => {
      let r = next() * list.reduce((sum, [w]) => sum + w, 0);
      for (const [w, v] of list) if ((r -= w) < 0) return v;
      return list[list.length - 1][1];
    },
    hex: (n) => {
      let s = "";
      for (let i = 0; i < n; i++) s += "0123456789abcdef"[Math.floor(next() * 16)];
      return s;
    },
    alnum: (n, alphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") => {
      let s = "";
      for (let i = 0; i < n; i++) s += alphabet[Math.floor(next() * alphabet.length)];
      return s;
    },
  };
  rng.uuid = (version = 4) => {
    const h = rng.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${version}${h.slice(13, 16)}-${"89ab"[rng.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
  return rng;
}

// ---------------------------------------------------------------- software pool

// Hand-written head of each platform's pool, most common first: [name, publisher, versions, options].
// "{v}" in a name is replaced by the version (7-Zip, .NET, Visual C++ put it in their DisplayName).
// options: s = source (default msi/registry/dpkg/app), u = share of per-user installs, a = arch.
const MS = "Microsoft Corporation";
const WINDOWS_HEAD = [
  ["Microsoft Edge", MS, ["131.0.2903.70", "131.0.2903.86", "130.0.2849.80"], { s: "registry", a: "x86" }],
  ["Microsoft Edge WebView2 Runtime", MS, ["131.0.2903.70", "130.0.2849.80"], { s: "registry", a: "x86" }],
  ["Microsoft Visual C++ 2015-2022 Redistributable (x64) - {v}", MS, ["14.40.33810", "14.38.33135", "14.36.32532"], { s: "registry" }],
  ["Microsoft Visual C++ 2015-2022 Redistributable (x86) - {v}", MS, ["14.40.33810", "14.38.33135", "14.36.32532"], { s: "registry", a: "x86" }],
  ["Google Chrome", "Google LLC", ["131.0.6778.86", "131.0.6778.109", "130.0.6723.117", "129.0.6668.101"]],
  ["Microsoft Update Health Tools", MS, ["5.72.0.0", "3.74.0.0"]],
  ["Microsoft 365 Apps for enterprise - en-us", MS, ["16.0.18129.20158", "16.0.17928.20286", "16.0.17726.20160"], { s: "registry" }],
  ["Microsoft OneDrive", MS, ["24.211.1020.0001", "24.201.1006.0005"], { s: "registry", u: 0.7 }],
  ["Microsoft Teams Meeting Add-in for Microsoft Office", MS, ["1.24.25101", "1.24.19201"]],
  ["Adobe Acrobat (64-bit)", "Adobe", ["24.004.20272", "24.003.20180", "24.002.21005"]],
  ["Windows PC Health Check", MS, ["3.6.2204.08001"]],
  ["Office 16 Click-to-Run Extensibility Component", MS, ["16.0.18129.20116"]],
  ["Office 16 Click-to-Run Licensing Component", MS, ["16.0.18129.20158"]],
  ["Microsoft.WindowsCalculator", MS, ["11.2410.0.0", "11.2409.0.0"], { s: "appx", u: 1, a: "x64" }],
  ["Microsoft.WindowsNotepad", MS, ["11.2410.21.0", "11.2409.9.0"], { s: "appx", u: 1, a: "x64" }],
  ["Microsoft.Paint", MS, ["11.2410.28.0"], { s: "appx", u: 1, a: "x64" }],
  ["Microsoft.ScreenSketch", MS, ["11.2409.25.0"], { s: "appx", u: 1, a: "x64" }],
  ["Microsoft.WindowsTerminal", MS, ["1.21.3231.0", "1.20.11781.0"], { s: "appx", u: 1, a: "x64" }],
  ["Microsoft.Windows.Photos", MS, ["2024.11100.16010.0"], { s: "appx", u: 1, a: "x64" }],
  ["MSTeams", MS, ["24295.605.3225.8804", "24277.3507.3205.5228"], { s: "appx", u: 1, a: "x64" }],
  ["Microsoft.OutlookForWindows", MS, ["1.2024.1113.300"], { s: "appx", u: 1, a: "x64" }],
  ["Microsoft.DesktopAppInstaller", MS, ["1.24.25200.0"], { s: "appx", u: 1, a: "x64" }],
  ["Microsoft.WindowsStore", MS, ["22410.1401.5.0"], { s: "appx", u: 1, a: "x64" }],
  ["Microsoft.MicrosoftStickyNotes", MS, ["6.1.2.0"], { s: "appx", u: 1, a: "x64" }],
  ["Microsoft.YourPhone", MS, ["1.24102.108.0"], { s: "appx", u: 1, a: "x64" }],
  ["Microsoft.Todos", MS, ["2.138.7203.0"], { s: "appx", u: 1, a: "x64" }],
  ["Microsoft.BingWeather", MS, ["4.53.52892.0"], { s: "appx", u: 1, a: "x64" }],
  ["Microsoft.GetHelp", MS, ["10.2409.22951.0"], { s: "appx", u: 1, a: "x64" }],
  ["Microsoft.HEIFImageExtension", MS, ["1.2.3.0"], { s: "appx", u: 1, a: "x64" }],
  ["Microsoft.VP9VideoExtensions", MS, ["1.2.2.0"], { s: "appx", u: 1, a: "x64" }],
  ["Microsoft.WebMediaExtensions", MS, ["1.1.1295.0"], { s: "appx", u: 1, a: "x64" }],
  ["Microsoft.WebpImageExtension", MS, ["1.1.1741.0"], { s: "appx", u: 1, a: "x64" }],
  ["Microsoft.PowerAutomateDesktop", MS, ["11.2410.214.0"], { s: "appx", u: 1, a: "x64" }],
  ["Clipchamp.Clipchamp", "Clipchamp Pty Ltd", ["3.1.12000.0"], { s: "appx", u: 1, a: "x64" }],
  ["MicrosoftCorporationII.QuickAssist", MS, ["2.0.32.0"], { s: "appx", u: 1, a: "x64" }],
  ["7-Zip {v} (x64)", "Igor Pavlov", ["24.08", "23.01", "22.01", "19.00"], { s: "registry" }],
  ["Notepad++ (64-bit x64)", "Notepad++ Team", ["8.7.1", "8.6.9", "8.5.8"], { s: "registry" }],
  ["Zoom Workplace (64-bit)", "Zoom Video Communications, Inc.", ["6.2.49583", "6.2.11.49202", "6.1.43316"], { u: 0.4 }],
  ["Intel(R) Management Engine Components", "Intel Corporation", ["2406.5.5.0", "2229.3.2.0"], { s: "registry" }],
  ["Intel(R) Chipset Device Software", "Intel(R) Corporation", ["10.1.19444.8378", "10.1.18836.8283"]],
  ["Realtek Audio Driver", "Realtek Semiconductor Corp.", ["6.0.9235.1", "6.0.9618.1"], { s: "registry" }],
  ["Intel(R) Serial IO", "Intel Corporation", ["30.100.2229.1"]],
  ["Intel(R) Wireless Bluetooth(R)", "Intel Corporation", ["23.80.0.3", "23.60.0.2"]],
  ["Microsoft .NET Runtime - {v} (x64)", MS, ["8.0.11", "8.0.10", "6.0.36"], { s: "registry" }],
  ["Microsoft Windows Desktop Runtime - {v} (x64)", MS, ["8.0.11", "8.0.10", "6.0.36"], { s: "registry" }],
  ["Microsoft ASP.NET Core {v} - Shared Framework (x64)", MS, ["8.0.11", "8.0.10"]],
  ["VLC media player", "VideoLAN", ["3.0.21", "3.0.20", "3.0.18"], { s: "registry" }],
  ["Mozilla Firefox (x64 en-US)", "Mozilla", ["133.0", "132.0.2", "131.0.3"], { s: "registry" }],
  ["Mozilla Maintenance Service", "Mozilla", ["133.0", "132.0.2"], { s: "registry", a: "x86" }],
  ["Cisco Secure Client - AnyConnect VPN", "Cisco Systems, Inc.", ["5.1.6.103", "5.1.4.74"]],
  ["Sophos Endpoint Agent", "Sophos Limited", ["2024.2.3.1", "2024.1.1.4"], { s: "registry" }],
  ["Microsoft Teams classic", MS, ["1.7.00.26062"], { s: "registry", u: 1 }],
  ["Teams Machine-Wide Installer", MS, ["1.7.0.26062", "1.5.0.30767"]],
  ["Slack (Machine - MSI)", "Slack Technologies Inc.", ["4.41.97", "4.40.128"]],
  ["Git", "The Git Development Community", ["2.47.1", "2.45.2", "2.43.0"], { s: "registry" }],
  ["Python 3.12.7 (64-bit)", "Python Software Foundation", ["3.12.7150.0"], { s: "registry" }],
  ["Python Launcher", "Python Software Foundation", ["3.12.7150.0", "3.11.9150.0"]],
  ["Microsoft Visual Studio Code", MS, ["1.95.3", "1.94.2", "1.93.1"], { s: "registry" }],
  ["Microsoft Visual Studio Code (User)", MS, ["1.95.3", "1.94.2"], { s: "registry", u: 1 }],
  ["PuTTY release {v} (64-bit)", "Simon Tatham", ["0.81", "0.80", "0.78"]],
  ["WinSCP {v}", "Martin Prikryl", ["6.3.5", "6.3.3", "5.21.8"], { s: "registry" }],
  ["KeePass Password Safe {v}", "Dominik Reichl", ["2.57.1", "2.56"], { s: "registry" }],
  ["Greenshot {v}", "Greenshot", ["1.2.10.6"], { s: "registry", u: 0.3 }],
  ["PDF24 Creator", "geek software GmbH", ["11.21.0", "11.19.0"]],
  ["Foxit PDF Reader", "Foxit Software Inc.", ["2024.3.0.26795", "2024.2.3.25184"], { s: "registry" }],
  ["Citrix Workspace 2409", "Citrix Systems, Inc.", ["24.9.0.133"], { s: "registry" }],
  ["Microsoft Power BI Desktop (x64)", MS, ["2.137.1102.0", "2.136.1202.0"]],
  ["Microsoft ODBC Driver 17 for SQL Server", MS, ["17.10.6.1"]],
  ["Microsoft OLE DB Driver for SQL Server", MS, ["18.7.4.0"]],
  ["Eclipse Temurin JRE with Hotspot 17.0.13+11 (x64)", "Eclipse Adoptium", ["17.0.13.11"]],
  ["Webex", "Cisco Systems, Inc", ["44.10.1.31028", "44.9.0.30650"], { u: 0.5 }],
  ["TeamViewer", "TeamViewer", ["15.59.3", "15.58.5", "15.51.5"], { s: "registry", p: 0.06 }],
  ["WinRAR {v} (64-bit)", "win.rar GmbH", ["7.01.0", "6.24.0"], { s: "registry" }],
  ["Spotify", "Spotify AB", ["1.2.50.335"], { s: "registry", u: 1 }],
  ["Dropbox", "Dropbox, Inc.", ["212.4.6156", "211.4.6008"], { s: "registry", u: 0.5, p: 0.05 }],
  ["AnyDesk", "AnyDesk Software GmbH", ["ad 8.1.0", "ad 7.1.16"], { s: "registry", p: 0.03 }],
  ["CCleaner", "Piriform", ["6.29", "6.25"], { s: "registry", p: 0.02 }],
  ["Microsoft SQL Server 2019 LocalDB ", MS, ["15.0.4382.1"]],
  ["Dell SupportAssist", "Dell Inc.", ["4.5.1.26398", "4.4.3.25210"]],
  ["Dell Command | Update for Windows Universal", "Dell Inc.", ["5.4.0"]],
  ["HP Wolf Security", "HP Inc.", ["4.6.17.1034"]],
  ["Lenovo Vantage Service", "Lenovo Group Ltd.", ["4.1.7.0"], { s: "registry" }],
  ["Update for Microsoft Office 2016 (KB5002623) 32-Bit Edition", MS, [""], { s: "registry" }],
  ["Security Update for Microsoft Office 2016 (KB5002616) 32-Bit Edition", MS, [""], { s: "registry" }],
  ["Microsoft Intune Management Extension", MS, ["1.83.107.0"]],
  ["Microsoft Azure CLI", MS, ["2.67.0"]],
  ["FortiClient VPN", "Fortinet Technologies Inc", ["7.4.0.1658", "7.2.4.0972"]],
  ["µTorrent", "BitTorrent Inc.", ["3.6.0.47116"], { s: "registry", u: 1, p: 0.005 }],
  ["ESET Endpoint Security", "ESET, spol. s r.o.", ["11.1.2039.0"]],
  ["GIMP 2.10.38", "The GIMP Team", ["2.10.38"], { s: "registry" }],
  ["LibreOffice 24.8.3.2", "The Document Foundation", ["24.8.3.2"]],
  ["Paint.NET", "dotPDN LLC", ["5.1.0"]],
  ["Node.js", "Node.js Foundation", ["20.18.1", "22.11.0"]],
  ["Docker Desktop", "Docker Inc.", ["4.36.0"], { s: "registry" }],
  ["Wireshark 4.4.2 x64", "The Wireshark developer community, https://www.wireshark.org", ["4.4.2"], { s: "registry" }],
  ["Npcap", "Nmap Project", ["1.79"], { s: "registry" }],
  ["Sidexis 4", "Dentsply Sirona", ["4.3.1"]],
  ["Dentrix G7", "Henry Schein One", ["7.5.0.1"]],
  ["QuickBooks Desktop Pro 2024", "Intuit Inc.", ["34.0.4003.3404"]],
  ["Sage 50 Accounting", "Sage Software, Inc.", ["31.1.0"]],
  ["AutoCAD LT 2025", "Autodesk", ["25.0.58.0"]],
  ["Autodesk Desktop Connector", "Autodesk", ["17.2.0.2008"]],
  ["Logitech Options+", "Logitech", ["1.83.633017"], { s: "registry", u: 0.3 }],
  ["Chrome Remote Desktop Host", "Google LLC", ["131.0.6778.31"], { p: 0.015 }],
  ["Splashtop Streamer", "Splashtop Inc.", ["3.7.2.2"], { p: 0.01 }],
];

// End-of-life software that a few percent of endpoints still carry (chance per endpoint).
const WINDOWS_EOL = [
  [0.035, ["Microsoft Office Professional Plus 2010", MS, ["14.0.7015.1000"], {}]],
  [0.02, ["Adobe Flash Player 32 NPAPI", "Adobe", ["32.0.0.465"], { s: "registry", a: "x86" }]],
  [0.03, ["Java 8 Update 381 (64-bit)", "Oracle Corporation", ["8.0.3810.9"], {}]],
  [0.015, ["Python 2.7.18", "Python Software Foundation", ["2.7.18150"], {}]],
  [0.025, ["Adobe Reader XI (11.0.23)", "Adobe Systems Incorporated", ["11.0.23"], { a: "x86" }]],
  [0.01, ["Microsoft Office Standard 2013", MS, ["15.0.5537.1000"], {}]],
  [0.01, ["Microsoft Silverlight", MS, ["5.1.50918.0"], {}]],
];

const LINUX_HEAD = (
  "adduser apt base-files base-passwd bash bsdutils ca-certificates coreutils cron curl dash debconf debianutils diffutils " +
  "dpkg e2fsprogs findutils gcc-12-base gpgv grep gzip hostname init-system-helpers iproute2 iputils-ping less login " +
  "logrotate lsb-release mawk mount ncurses-base ncurses-bin netbase openssh-client openssh-server openssl passwd perl-base " +
  "procps python3 python3-minimal readline-common rsyslog sed sensible-utils sudo systemd systemd-sysv sysvinit-utils tar " +
  "tzdata ubuntu-keyring util-linux vim-common vim-tiny wget xz-utils zlib1g zstd bzip2 file gnupg htop iptables jq kmod " +
  "lsof man-db nano net-tools patch rsync screen tmux tree unzip zip git git-man make gcc g++ cpp binutils build-essential " +
  "chrony cloud-init cloud-guest-utils snapd ufw unattended-upgrades update-notifier-common needrestart apparmor auditd " +
  "dbus dmidecode ethtool fdisk gdisk parted lvm2 mdadm nfs-common open-iscsi open-vm-tools multipath-tools pciutils usbutils " +
  "nginx apache2 apache2-utils mysql-client mariadb-client postgresql-client-16 redis-tools docker-ce docker-ce-cli containerd.io " +
  "docker-buildx-plugin docker-compose-plugin nodejs openjdk-17-jre-headless python3-pip python3-venv python3-apt python3-yaml " +
  "python3-requests python3-urllib3 python3-certifi python3-idna python3-six python3-dateutil python3-jwt python3-cryptography " +
  "ansible certbot fail2ban prometheus-node-exporter zabbix-agent2 filebeat auditbeat falcon-sensor ncat nmap tcpdump strace " +
  "bind9-dnsutils bind9-host dnsutils whois telnet ftp samba-common smbclient cifs-utils sssd realmd krb5-user adcli " +
  "glibc glibc-common bash-completion dnf dnf-data yum rpm rpm-libs systemd-libs openssl-libs NetworkManager firewalld " +
  "selinux-policy selinux-policy-targeted policycoreutils kernel kernel-core kernel-modules kernel-tools grub2-common " +
  "grub2-pc shim-x64 insights-client subscription-manager rhc tuned irqbalance microcode_ctl linux-firmware dracut"
).split(" ");
const LINUX_EOL = [
  [0.04, ["python2.7", "Matthias Klose", ["2.7.18-1~20.04.4"], {}]],
  [0.02, ["openjdk-8-jre-headless", "OpenJDK Team", ["8u422-b05-1~20.04"], {}]],
];

const MAC_HEAD = (
  "Safari|Google Chrome|Microsoft Word|Microsoft Excel|Microsoft PowerPoint|Microsoft Outlook|Microsoft OneNote|Microsoft Teams|" +
  "OneDrive|Microsoft AutoUpdate|Microsoft Edge|Company Portal|zoom.us|Slack|Keynote|Pages|Numbers|iMovie|GarageBand|Xcode|" +
  "Visual Studio Code|Firefox|VLC|The Unarchiver|Spotify|Adobe Acrobat Reader|Adobe Photoshop 2025|Adobe Illustrator 2025|" +
  "Adobe InDesign 2025|Creative Cloud|Figma|Notion|Docker|iTerm|Postman|Rectangle|Alfred 5|1Password|Bitwarden|" +
  "Cisco Secure Client|FortiClient|Sophos Endpoint|Falcon|Jamf Connect|Self Service|TeamViewer|AnyDesk|Dropbox|Box|" +
  "Google Drive|WhatsApp|Signal|Telegram|Discord|Logi Options+|DisplayLink Manager|Kindle|Preview|TextEdit|Calculator|" +
  "Photo Booth|FaceTime|Messages|Mail|Maps|Music|Podcasts|TV|Books|App Store|System Settings|Terminal|Activity Monitor|" +
  "Disk Utility|Console|Screenshot|QuickTime Player|Automator|Script Editor|Font Book|Image Capture|Migration Assistant|" +
  "Boot Camp Assistant|Keychain Access|Chess|Stickies|Reminders|Notes|Calendar|Contacts|Photos|Home|Shortcuts|Freeform|" +
  "Clock|Weather|Tips|Find My|Stocks|Voice Memos|Siri|Time Machine|Mission Control|Grapher|VoiceOver Utility|" +
  "Bluetooth File Exchange|Audio MIDI Setup|ColorSync Utility|Digital Color Meter|Directory Utility|Feedback Assistant|" +
  "Wireless Diagnostics|System Information|Citrix Workspace|Microsoft Remote Desktop|Windows App|Parallels Desktop|" +
  "VMware Fusion|UTM|Sublime Text|BBEdit|Cyberduck|Transmit 5|Sketch|Affinity Photo 2|Affinity Designer 2|Final Cut Pro|" +
  "Logic Pro|Pixelmator Pro|Grammarly Desktop|Evernote|Obsidian|Todoist|Things3|Fantastical|Spark|Airmail 5|Tower|" +
  "GitHub Desktop|Sourcetree|IntelliJ IDEA CE|PyCharm CE|Android Studio|Arc|Brave Browser|Opera|Vivaldi|Tor Browser|" +
  "Skype|Webex|GoToMeeting|Loom|OBS|Audacity|HandBrake|Transmission|uTorrent Web|CCleaner|Malwarebytes|Little Snitch|" +
  "LuLu|KnockKnock|BlockBlock Helper|Amphetamine|Caffeine|Magnet|Bartender 5|CleanMyMac X|AppCleaner|Keka|Hand Mirror"
).split("|");
// Real versions where a made-up one could fall into a lifecycle product; low rates for what the catalog denies.
const MAC_KNOWN = {
  "Google Chrome": { v: ["131.0.6778.86", "130.0.6723.117"], pub: "Google LLC" },
  "Microsoft Teams": { v: ["24295.605.3225.8804"], pub: "Microsoft Corporation" },
  "Microsoft Edge": { v: ["131.0.2903.70"], pub: "Microsoft Corporation" },
  "OneDrive": { v: ["24.211.1020"], pub: "Microsoft Corporation" },
  "Adobe Acrobat Reader": { v: ["24.004.20272", "24.003.20180"], pub: "Adobe Inc." },
  "Firefox": { v: ["133.0", "132.0.2"], pub: "Mozilla Corporation" },
  Dropbox: { v: ["212.4.6156"], pub: "Dropbox, Inc.", p: 0.06 },
  TeamViewer: { v: ["15.59.3"], p: 0.05 },
  AnyDesk: { v: ["8.1.1"], p: 0.03 },
  Transmission: { v: ["4.0.6"], p: 0.01 },
  "Tor Browser": { v: ["14.0.2"], p: 0.005 },
  "uTorrent Web": { v: ["1.3.2"], p: 0.005 },
  CCleaner: { v: ["2.09.187"], p: 0.02 },
};
const MAC_EOL = [[0.03, ["Adobe Flash Player Install Manager", "Adobe Systems Incorporated", ["32.0.0.465"], {}]]];

// Long-tail vocabulary: small vendors, line-of-business software, printer and device utilities.
const VENDORS = [
  "Contoso", "Fabrikam", "Northwind Traders", "Adatum", "Litware", "Tailspin Toys", "Wingtip", "Proseware", "Fourth Coffee",
  "Woodgrove", "Carestream", "Planmeca", "Vatech", "Sirona", "Sage", "Intuit", "Autodesk", "Bentley Systems", "Corel",
  "Nuance", "Foxit", "Kofax", "ABBYY", "Canon", "Epson", "Brother", "Xerox", "Ricoh", "Kyocera", "Konica Minolta", "Lexmark",
  "Fujitsu", "Zebra", "Dymo", "Datto", "Kaseya", "ConnectWise", "N-able", "Veeam", "Acronis", "Trend Micro", "Bitdefender",
  "Malwarebytes", "Barracuda", "Mimecast", "Ivanti", "SolarWinds", "ManageEngine", "Jabra", "Poly", "Plantronics", "Yealink",
  "Elgato", "Wacom", "Synaptics", "ELAN", "Conexant", "Qualcomm", "Broadcom", "Marvell", "AMD", "NVIDIA", "Matrox", "DisplayLink",
  "Samsung", "LG", "ASUS", "Acer", "Razer", "Corsair", "SteelSeries", "Bose", "Sennheiser", "Nitro", "Bluebeam", "Trimble",
  "Esri", "MathWorks", "Wolfram", "IBM", "SAP", "Oracle", "Infor", "Epicor", "Exact", "Visma", "DATEV", "Lexware", "Cegid",
];
const PRODUCTS = [
  "Print Driver", "Scan Utility", "Device Manager", "Client", "Connector", "Agent", "Toolbox", "Viewer", "Update Service",
  "Plug-in", "Add-in for Outlook", "Label Designer", "Backup Agent", "VPN Client", "Security Suite", "Imaging", "Studio",
  "Express", "Desktop", "Companion", "Helper", "Firmware Updater", "Control Center", "Hub", "Sync", "Capture", "Reader",
  "Workstation", "Cloud Connector", "Remote Agent",
];
const LINUX_WORDS = (
  "acl attr audit avahi blkid cairo cap curl db dbus drm edit elf event expat ffi fontconfig freetype gcrypt gdbm glib gmp " +
  "gnutls gpg-error gssapi harfbuzz hogweed icu idn2 jansson jpeg json-c k5crypto keyutils krb5 lber ldap lz4 lzma magic " +
  "mnl mount mpfr ncurses nettle newt nghttp2 nl nspr nss numa p11-kit pam pango pcap pci pcre2 pipeline png popt proc2 " +
  "psl python3.12 readline rtmp sasl2 seccomp selinux semanage sepol slang smartcols sqlite3 ssh ssl systemd tasn1 " +
  "tinfo tirpc udev unistring usb uuid wrap x11 xau xcb xdmcp xext xml2 xmlsec1 xslt xtables yaml zstd"
).split(" ");

/** Versions for a generated title: a base and a few later patch levels. */
function versionsFor(rng, platform) {
  const major = rng.int(1, 30);
  const minor = rng.int(0, 20);
  const count = rng.int(1, 4);
  return Array.from({ length: count }, (_, k) => {
    const patch = rng.int(0, 9) + k * 3;
    if (platform === "linux") return `${major}.${minor}.${patch}-${rng.int(1, 9)}`;
    return platform === "windows" && rng.chance(0.5) ? `${major}.${minor}.${patch}.${rng.int(100, 9999)}` : `${major}.${minor}.${patch}`;
  });
}

/**
 * The software pool: about 3,000 titles (1,900 Windows, 800 Linux, 300 macOS), each with a publisher,
 * a few versions, and an install probability that falls off with its rank (popular titles on almost
 * every endpoint, a long tail on a handful).
 */
export function softwarePool(seed = 42) {
  const rng = prng(seed, "pool");
  const title = (name, publisher, versions, o = {}) => ({ name, publisher, versions, source: o.s, user: o.u ?? 0, arch: o.a, fixedP: o.p });
  const windows = WINDOWS_HEAD.map((t) => title(...t));
  const seen = new Set(windows.map((t) => t.name));
  while (windows.length < 1900) {
    const vendor = rng.pick(VENDORS);
    const product = rng.pick(PRODUCTS);
    const suffix = rng.weighted([[5, ""], [2, ` ${rng.int(2, 12)}`], [1, ` ${rng.int(2016, 2025)}`], [1, " (x64)"], [1, ` v${rng.int(1, 9)}.${rng.int(0, 9)}`]]);
    const name = rng.chance(0.15) ? `${vendor} ${product} for ${rng.pick(["Windows", "Office", "SAP", "Outlook", "Teams"])}${suffix}` : `${vendor} ${product}${suffix}`;
    if (seen.has(name)) continue;
    seen.add(name);
    const publisher = rng.chance(0.8) ? `${vendor}${rng.pick([" Inc.", " Ltd.", " GmbH", " Corporation", "", " Software"])}` : undefined;
    windows.push(title(name, publisher, versionsFor(rng, "windows"), { s: rng.chance(0.6) ? "msi" : "registry", u: rng.chance(0.1) ? 0.5 : 0, a: rng.chance(0.3) ? "x86" : undefined }));
  }
  const linux = LINUX_HEAD.map((name) => title(name, undefined, versionsFor(rng, "linux")));
  const linuxSeen = new Set(LINUX_HEAD);
  while (linux.length < 800) {
    const word = rng.pick(LINUX_WORDS);
    const name = rng.weighted([
      [6, `lib${word}${rng.int(0, 12)}`],
      [2, `lib${word}-dev`],
      [2, `python3-${word.replace(/\d.*$/, "")}`],
      [1, `${word.replace(/\d.*$/, "")}-utils`],
      [1, `gir1.2-${word.replace(/\d.*$/, "")}-1.0`],
      [1, `fonts-${rng.pick(["dejavu", "liberation", "noto", "ubuntu", "urw"])}-${word.replace(/\d.*$/, "")}`],
      [1, `node-${word.replace(/\d.*$/, "")}`],
    ]);
    if (linuxSeen.has(name)) continue;
    linuxSeen.add(name);
    linux.push(title(name, undefined, versionsFor(rng, "linux")));
  }
  const mac = MAC_HEAD.map((name) => {
    const known = MAC_KNOWN[name] ?? (/^Microsoft (Word|Excel|PowerPoint|Outlook|OneNote)$/.test(name) ? { v: ["16.91", "16.90", "16.89"], pub: "Microsoft Corporation" } : undefined);
    return title(name, known?.pub, known?.v ?? versionsFor(rng, "darwin"), { p: known?.p });
  });
  const macSeen = new Set(MAC_HEAD);
  while (mac.length < 300) {
    const name = `${rng.pick(VENDORS)} ${rng.pick(PRODUCTS)}`;
    if (macSeen.has(name)) continue;
    macSeen.add(name);
    mac.push(title(name, undefined, versionsFor(rng, "darwin")));
  }
  for (const list of [linux, mac]) for (const t of list) t.publisher ??= rng.chance(0.7) ? rng.pick(["Ubuntu Developers", "Debian QA Group", "Red Hat, Inc.", "Apple", `${rng.pick(VENDORS)} Inc.`]) : undefined;
  // Publishers Linux/macOS really report depend on the distro/vendor; fixed per title here.
  for (const t of mac.slice(0, 130)) if (/^(Safari|Keynote|Pages|Numbers|iMovie|GarageBand|Xcode|Preview|TextEdit|Calculator|Photo Booth|FaceTime|Messages|Mail|Maps|Music|Podcasts|TV|Books|App Store|System Settings|Terminal|Activity Monitor|Disk Utility|Console|Screenshot|QuickTime Player|Automator|Script Editor|Font Book|Image Capture|Migration Assistant|Boot Camp Assistant|Keychain Access|Chess|Stickies|Reminders|Notes|Calendar|Contacts|Photos|Home|Shortcuts|Freeform|Clock|Weather|Tips|Find My|Stocks|Voice Memos|Siri|Time Machine|Mission Control|Grapher)$/.test(t.name)) t.publisher = "Apple";
  const withProbabilities = (list, target) => {
    // p(rank) = min(0.97, A / (rank + 8)^1.25), A chosen so that the expected count is `target`.
    const expected = (A) => list.reduce((sum, t, r) => sum + (t.fixedP ?? Math.min(0.97, A / (r + 8) ** 1.25)), 0);
    let lo = 0;
    let hi = 10_000;
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (expected(mid) < target) lo = mid;
      else hi = mid;
    }
    list.forEach((t, r) => (t.p = t.fixedP ?? Math.min(0.97, lo / (r + 8) ** 1.25)));
    return list;
  };
  // Targets leave room for per-user duplicates and end-of-life extras: about 150 entries per endpoint.
  return {
    windows: withProbabilities(windows, 146),
    linux: withProbabilities(linux, 150),
    darwin: withProbabilities(mac, 150),
    eol: { windows: WINDOWS_EOL, linux: LINUX_EOL, darwin: MAC_EOL },
  };
}

// ---------------------------------------------------------------- endpoints

const WINDOWS_RELEASES = [
  [35, { name: "Windows 10", version: "10.0.19045", ubr: [6456, 5247, 5131], displayVersion: "22H2" }],
  [30, { name: "Windows 11", version: "10.0.22631", ubr: [4602, 4460, 4317], displayVersion: "23H2" }],
  [28, { name: "Windows 11", version: "10.0.26100", ubr: [2605, 2454, 2314], displayVersion: "24H2" }],
  [2, { name: "Windows 7", version: "6.1.7601", ubr: [24544, 24214], servicePack: "Service Pack 1", legacy: true }],
  [5, { name: "Windows Server 2019", version: "10.0.17763", ubr: [6532, 6414], displayVersion: "1809", server: true }],
];
const EDITIONS = [
  [60, ["Professional", "Pro"]],
  [30, ["Enterprise", "Enterprise"]],
  [10, ["Core", "Home"]],
];
const LINUX_RELEASES = [
  [35, { distro: "ubuntu", name: "Ubuntu 22.04.5 LTS", version: "22.04", codename: "jammy", like: ["debian"], kernel: "5.15.0-126-generic" }],
  [30, { distro: "ubuntu", name: "Ubuntu 24.04.1 LTS", version: "24.04", codename: "noble", like: ["debian"], kernel: "6.8.0-49-generic" }],
  [10, { distro: "ubuntu", name: "Ubuntu 20.04.6 LTS", version: "20.04", codename: "focal", like: ["debian"], kernel: "5.4.0-202-generic" }],
  [12, { distro: "rhel", name: "Red Hat Enterprise Linux 8.10 (Ootpa)", version: "8.10", like: ["fedora"], kernel: "4.18.0-553.27.1.el8_10.x86_64" }],
  [13, { distro: "rhel", name: "Red Hat Enterprise Linux 9.4 (Plow)", version: "9.4", like: ["fedora"], kernel: "5.14.0-427.42.1.el9_4.x86_64" }],
];
const MAC_RELEASES = [
  [20, { product: "macOS", version: "14.7.1", build: "23H222", kernel: "23.6.0" }],
  [20, { product: "macOS", version: "14.6.1", build: "23G93", kernel: "23.6.0" }],
  [30, { product: "macOS", version: "15.1.1", build: "24B91", kernel: "24.1.0" }],
  [22, { product: "macOS", version: "15.0.1", build: "24A348", kernel: "24.0.0" }],
  [8, { product: "Mac OS X", version: "10.15.7", build: "19H2", kernel: "19.6.0" }],
];
// [weight, manufacturer, model, type, serial maker]
const DELL = (rng) => rng.alnum(7);
const HP = (rng) => `5CG${rng.alnum(7)}`;
const LENOVO = (rng) => `PF${rng.alnum(6)}`;
const APPLE = (rng) => `C02${rng.alnum(9)}`;
const PC_MODELS = [
  [20, "Dell Inc.", "Latitude 5440", "laptop", DELL],
  [12, "Dell Inc.", "Latitude 7420", "laptop", DELL],
  [14, "Dell Inc.", "OptiPlex 7090", "desktop", DELL],
  [12, "HP", "HP EliteBook 840 G8 Notebook PC", "laptop", HP],
  [8, "HP", "HP ProBook 450 G9 Notebook PC", "laptop", HP],
  [6, "HP", "HP EliteDesk 800 G6 Desktop Mini PC", "desktop", HP],
  [10, "LENOVO", "21AH00FGUS", "laptop", LENOVO],
  [6, "LENOVO", "11DT0040US", "desktop", LENOVO],
  [3, "ASUSTeK COMPUTER INC.", "VivoBook 15 X1502ZA", "laptop", (rng) => `N${rng.alnum(11)}`],
  [2, "Micro-Star International Co., Ltd.", "MS-7C91", "desktop", () => undefined],
];
const SERVER_MODELS = [
  [40, "VMware, Inc.", "VMware7,1", "virtual", (rng) => `VMware-${rng.hex(16).replace(/(..)/g, "$1 ").trim()}`],
  [25, "Microsoft Corporation", "Virtual Machine", "virtual", (rng) => `${rng.int(1000, 9999)}-${rng.int(1000, 9999)}-${rng.int(1000, 9999)}-${rng.int(1000, 9999)}`],
  [35, "Dell Inc.", "PowerEdge R650", "server", DELL],
];
const MAC_MODELS = [
  [50, "Apple Inc.", "MacBook Pro", "laptop"],
  [35, "Apple Inc.", "MacBook Air", "laptop"],
  [15, "Apple Inc.", "iMac", "desktop"],
];
const SITES = [[40, "HQ"], [20, "BR1"], [15, "BR2"], [10, "ACC"], [5, "LAB"], [5, "IT"], [5, "BR3"]];
const USERS = ["jdoe", "asmith", "mgarcia", "lchen", "pnguyen", "kmuller", "rossi.m", "tbrown", "svc-scan", "admin.local", "reception", "nurse1"];

/**
 * Who endpoint `index` is: platform, OS, hardware, serial and whether the procurement register
 * has it. Cheap and independent of the software, so the catalog generator can list the serials.
 */
export function endpointIdentity(seed, index) {
  const rng = prng(seed, "endpoint", index);
  const platform = rng.weighted([[80, "windows"], [12, "linux"], [8, "darwin"]]);
  const site = rng.weighted(SITES);
  const id = rng.uuid(4);
  let os;
  let hw;
  let hostname;
  if (platform === "windows") {
    const release = rng.weighted(WINDOWS_RELEASES);
    const ubr = rng.pick(release.ubr);
    const [build] = release.version.split(".").slice(2);
    if (release.server) {
      os = { platform, name: `Microsoft ${release.name} Standard`, version: release.version, build: `${build}.${ubr}`, edition: "ServerStandard", displayVersion: release.displayVersion };
      const m = rng.weighted(SERVER_MODELS.map(([w, ...rest]) => [w, rest]));
      hw = { manufacturer: m[0], model: m[1], type: m[2], serial: m[3](rng) };
      hostname = `${site}-SRV${String(index).padStart(5, "0")}`;
    } else {
      const [edition, plain] = release.legacy ? ["Professional", "Professional"] : rng.weighted(EDITIONS);
      // Windows 7 captions end with a space, exactly as Win32_OperatingSystem reports them.
      os = { platform, name: `Microsoft ${release.name} ${plain}${release.legacy ? " " : ""}`, version: release.version, build: `${build}.${ubr}`, edition, ...(release.displayVersion ? { displayVersion: release.displayVersion } : {}), ...(release.servicePack ? { servicePack: release.servicePack } : {}) };
      const virtual = rng.chance(0.04);
      const m = virtual ? ["Microsoft Corporation", "Virtual Machine", "virtual", () => undefined] : rng.weighted(PC_MODELS.map(([w, ...rest]) => [w, rest]));
      hw = { manufacturer: m[0], model: m[1], type: m[2], serial: m[3](rng) };
      hostname = `${site}-${hw.type === "laptop" ? "LT" : hw.type === "virtual" ? "VM" : "DT"}${String(index).padStart(5, "0")}`;
    }
    os.arch = "x64";
  } else if (platform === "linux") {
    const release = rng.weighted(LINUX_RELEASES);
    os = { platform, name: release.name, version: release.version, ...(release.codename ? { displayVersion: release.codename } : {}), distro: release.distro, distroLike: release.like, kernel: release.kernel, arch: "x64" };
    const m = rng.weighted(SERVER_MODELS.map(([w, ...rest]) => [w, rest]));
    hw = { manufacturer: m[0], model: m[1], type: m[2], serial: m[3](rng) };
    hostname = `${rng.pick(["web", "db", "app", "files", "build", "mon", "proxy", "dns"])}-${String(index).padStart(5, "0")}.${site.toLowerCase()}.bench.example`;
  } else {
    const release = rng.weighted(MAC_RELEASES);
    os = { platform, name: `${release.product} ${release.version}`, version: release.version, build: release.build, kernel: release.kernel, arch: release.version.startsWith("10.") ? "x64" : "arm64" };
    const m = rng.weighted(MAC_MODELS.map(([w, ...rest]) => [w, rest]));
    hw = { manufacturer: m[0], model: m[1], type: m[2], serial: APPLE(rng) };
    hostname = `${site}-MAC${String(index).padStart(5, "0")}`;
  }
  // 95% of bought computers are in the register; virtual machines are never bought.
  const registered = hw.type !== "virtual" && hw.serial !== undefined && rng.chance(0.95);
  return { index, platform, site, id, hostname, os, hw, registered };
}

const daysBefore = (iso, days) => new Date(Date.parse(`${iso}T00:00:00Z`) - days * 86_400_000);
const isoDate = (date) => date.toISOString().slice(0, 10);

/** One endpoint's inventory document (the object the agent would serialise). */
export function generateInventory(seed, index, pool = softwarePool(seed)) {
  const who = endpointIdentity(seed, index);
  const { platform, os, hw } = who;
  const rng = prng(seed, "scan", index);
  // Within the week before AS_OF, at a plausible scan time.
  const collected = new Date(daysBefore(AS_OF, 7).getTime() + rng.int(0, 7 * 86_400 - 1) * 1000 + rng.int(0, 999));
  const lastBoot = new Date(collected.getTime() - rng.int(600, 12 * 86_400) * 1000);
  const endpoint = {
    id: who.id,
    idSource: platform === "linux" && hw.type === "virtual" ? "machine-id" : "smbios-uuid",
    hostname: who.hostname,
    ...(platform === "windows" && !os.edition.startsWith("Core") ? { domain: `${who.site.toLowerCase()}.bench.example` } : {}),
    manufacturer: hw.manufacturer,
    model: hw.model,
    ...(hw.serial ? { serial: hw.serial } : {}),
    type: hw.type,
    uuid: who.id.toUpperCase(),
    machineId: platform === "windows" ? rng.uuid(4) : rng.hex(32),
  };
  const inventory = {
    schema: "caveat.inventory/v1",
    scanId: rng.uuid(4),
    collectedAt: collected.toISOString(),
    agent: { name: os.servicePack ? "caveat-legacy-ps" : "caveat-agent", version: os.servicePack ? "0.1.0-ps2" : "0.1.0" },
    client: CLIENT,
    endpoint,
    os: { ...os, ...(platform === "windows" ? { installDate: `${isoDate(daysBefore(AS_OF, rng.int(60, 1800)))}T${String(rng.int(8, 17)).padStart(2, "0")}:${String(rng.int(10, 59))}:${String(rng.int(10, 59))}Z` } : {}), lastBoot: lastBoot.toISOString() },
    hardware: hardwareFor(rng, platform, hw),
    software: softwareFor(rng, platform, os, pool, collected),
    security: securityFor(rng, platform, collected),
    probes: probesFor(rng, platform, os),
  };
  return inventory;
}

function hardwareFor(rng, platform, hw) {
  const server = hw.type === "server" || hw.type === "virtual";
  const cores = rng.pick(server ? [2, 4, 8, 16] : platform === "darwin" ? [8, 10, 12] : [4, 6, 8, 10, 12]);
  return {
    cpu: { model: platform === "darwin" ? rng.pick(["Apple M1", "Apple M2 Pro", "Apple M3", "Intel(R) Core(TM) i7-9750H CPU @ 2.60GHz"]) : server ? rng.pick(["Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", "AMD EPYC 7443P 24-Core Processor"]) : rng.pick(["13th Gen Intel(R) Core(TM) i7-1365U", "11th Gen Intel(R) Core(TM) i5-1145G7 @ 2.60GHz", "Intel(R) Core(TM) i5-10500 CPU @ 3.10GHz", "AMD Ryzen 5 PRO 5650U with Radeon Graphics"]), cores, threads: platform === "darwin" ? cores : cores * 2 },
    memoryBytes: rng.pick([8, 16, 16, 32, 64]) * 1024 ** 3,
    ...(platform !== "darwin" && hw.type !== "virtual" ? { bios: { vendor: hw.manufacturer, version: `${rng.int(1, 2)}.${rng.int(0, 30)}.${rng.int(0, 9)}`, date: isoDate(daysBefore(AS_OF, rng.int(30, 1500))) } } : {}),
    disks: [{ model: hw.type === "virtual" ? "Virtual Disk" : rng.pick(["SAMSUNG MZVL2512HCJQ-00B00", "KXG60ZNV512G TOSHIBA", "WDC PC SN730 SDBQNTY-512G-1001", "APPLE SSD AP0512Q"]), ...(hw.type === "virtual" ? {} : { serial: rng.alnum(14) }), sizeBytes: rng.pick([256, 512, 1024]) * 1_000_204_886, type: hw.type === "virtual" ? "virtual" : rng.pick(["nvme", "nvme", "ssd"]) }],
    nics: [
      { name: platform === "windows" ? rng.pick(["Intel(R) Wi-Fi 6E AX211 160MHz", "Intel(R) Ethernet Connection (13) I219-LM", "Realtek PCIe GbE Family Controller"]) : platform === "linux" ? "eth0" : "en0", mac: macAddress(rng), virtual: false },
      ...(rng.chance(0.3) ? [{ name: platform === "windows" ? "Hyper-V Virtual Ethernet Adapter" : platform === "linux" ? "docker0" : "bridge0", mac: macAddress(rng), virtual: true }] : []),
    ],
    peripherals: hw.type === "laptop" || hw.type === "desktop" ? peripheralsFor(rng) : [],
  };
}

const macAddress = (rng) => rng.hex(12).replace(/(..)(?!$)/g, "$1:");

function peripheralsFor(rng) {
  const list = [];
  if (rng.chance(0.8)) list.push({ kind: "monitor", vendor: rng.pick(["DEL", "HPN", "LEN", "SAM"]), product: rng.pick(["DELL P2422H", "HP E24 G5", "LEN T24i-20", "S24R650"]), productId: rng.hex(4), serial: rng.alnum(11) });
  if (rng.chance(0.6)) list.push({ kind: "usb", vendor: "Logitech", product: "USB Receiver", vendorId: "046d", productId: "c52b" });
  if (rng.chance(0.2)) list.push({ kind: "printer", vendor: "HP", product: rng.pick(["HP LaserJet Pro M404dn", "HP Color LaserJet MFP M479fdw"]) });
  return list;
}

function softwareFor(rng, platform, os, pool, collected) {
  const titles = pool[platform];
  const chosen = [];
  for (const t of titles) if (rng.next() < t.p) chosen.push(t);
  for (const [p, t] of pool.eol[platform]) {
    if (!rng.chance(p)) continue;
    const [name, publisher, versions, o] = t;
    chosen.push({ name, publisher, versions, source: o.s, user: o.u ?? 0, arch: o.a });
  }
  const rows = [];
  const rhel = os.distro === "rhel";
  for (const t of chosen) {
    if (platform === "windows" && t.source === "appx" && os.version.startsWith("6.")) continue; // no Appx on Windows 7
    // Most endpoints run the newest version, some lag behind.
    const v = t.versions[Math.min(t.versions.length - 1, rng.weighted([[60, 0], [25, 1], [10, 2], [5, 3]]))];
    const version = platform === "linux" ? (rhel ? `${v.replace(/-.*$/, "")}-${rng.int(1, 30)}.el${os.version[0]}` : v.includes("ubuntu") || v.includes("~") ? v : `${v}ubuntu${rng.int(0, 3)}`) : v;
    const name = t.name.replace("{v}", version);
    const base = {
      name,
      ...(version ? { version } : {}),
      ...(t.publisher ? { publisher: t.publisher } : {}),
    };
    if (platform === "windows") {
      const users = t.user > 0 && rng.chance(t.user) ? (rng.chance(0.15) ? 2 : 1) : 0;
      const installedOn = isoDate(new Date(collected.getTime() - rng.int(1, 900) * 86_400_000));
      if (users === 0) rows.push({ ...base, installedOn, source: t.source ?? (rng.chance(0.6) ? "msi" : "registry"), scope: "machine", arch: t.arch ?? "x64" });
      for (let u = 0; u < users; u++) {
        const user = `${os.edition === "Core" ? "" : "BENCH\\"}${rng.pick(USERS)}`;
        rows.push({ ...base, ...(t.source === "appx" ? {} : { installedOn }), source: t.source ?? "registry", scope: "user", user, ...(t.source === "appx" ? { arch: t.arch ?? "x64" } : {}) });
      }
    } else if (platform === "linux") {
      rows.push({ ...base, ...(rhel ? { installedOn: isoDate(new Date(collected.getTime() - rng.int(1, 400) * 86_400_000)) } : {}), source: rhel ? "rpm" : "dpkg", scope: "machine", arch: rng.chance(0.75) ? (rhel ? "x86_64" : "amd64") : rhel ? "noarch" : "all" });
    } else {
      const user = rng.chance(0.1) ? rng.pick(USERS) : undefined;
      rows.push({ ...base, installedOn: isoDate(new Date(collected.getTime() - rng.int(1, 700) * 86_400_000)), source: "app", scope: user ? "user" : "machine", ...(user ? { user } : {}), arch: os.arch === "x64" ? "x64" : rng.pick(["arm64", "universal"]) });
    }
  }
  // The agent sorts by name (case-insensitive, numeric) and drops exact duplicates.
  const seen = new Set();
  const unique = rows.filter((r) => {
    const key = `${r.name.toLowerCase()}|${r.version ?? ""}|${r.scope}|${r.user ?? ""}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const keyed = unique.map((row) => ({ row, k: `${row.name.toLowerCase()}|${row.version ?? ""}|${row.user ?? ""}` }));
  keyed.sort((a, b) => collator.compare(a.k, b.k));
  return keyed.map((x) => x.row);
}
const collator = new Intl.Collator("en", { sensitivity: "base", numeric: true });

function securityFor(rng, platform, collected) {
  const lastUpdate = isoDate(new Date(collected.getTime() - rng.int(0, 40) * 86_400_000));
  if (platform === "windows") {
    const on = rng.chance(0.95);
    return {
      firewall: { enabled: on, profiles: { Domain: true, Private: true, Public: on } },
      diskEncryption: [{ volume: "C:", encrypted: rng.chance(0.85), method: "XtsAes128" }],
      antivirus: [{ name: rng.pick(["Windows Defender", "Sophos Intercept X", "ESET Endpoint Security"]), enabled: true, upToDate: rng.chance(0.97) }],
      pendingReboot: rng.chance(0.2),
      lastUpdateInstalled: lastUpdate,
      automaticUpdates: rng.chance(0.9),
    };
  }
  if (platform === "linux") return { pendingReboot: rng.chance(0.3), lastUpdateInstalled: lastUpdate, diskEncryption: [{ volume: "/", encrypted: rng.chance(0.3) }] };
  return { firewall: { enabled: rng.chance(0.7) }, diskEncryption: [{ volume: "/", encrypted: rng.chance(0.95), method: "FileVault" }], automaticUpdates: rng.chance(0.9) };
}

const PROBES = {
  windows: ["windows.os", "windows.system", "windows.disks-network", "windows.peripherals", "windows.software-registry", "windows.software-appx", "windows.security"],
  linux: ["linux.os", "linux.system", "linux.cpu-memory", "linux.disks", "linux.network", "linux.usb", "linux.printers", "linux.software-dpkg", "linux.software-rpm", "linux.software-snap", "linux.software-flatpak", "linux.security"],
  darwin: ["darwin.os", "darwin.hardware", "darwin.peripherals", "darwin.software-apps", "darwin.security"],
};

function probesFor(rng, platform, os) {
  return PROBES[platform].map((id) => {
    const probe = { id, status: "ok", durationMs: rng.int(5, id.includes("software") ? 2500 : 600) };
    if (id === "windows.software-appx" && os.version.startsWith("6.")) return { ...probe, status: "unsupported", message: "Appx packages do not exist before Windows 8" };
    if (id === "linux.software-rpm" && os.distro !== "rhel") return { ...probe, status: "unsupported", message: "not an rpm-based distribution" };
    if (id === "linux.software-dpkg" && os.distro === "rhel") return { ...probe, status: "unsupported", message: "dpkg-query is not installed" };
    if (id === "linux.software-snap" || id === "linux.software-flatpak") return { ...probe, status: "unsupported", message: `${id.slice(15)} is not installed` };
    if (id === "linux.printers") return { ...probe, status: "unsupported", message: "lpstat is not installed" };
    if (id === "windows.security" && rng.chance(0.1)) return { ...probe, message: "BitLocker status needs administrator rights: disk encryption unknown" };
    return probe;
  });
}

/**
 * Writes one compact caveat.inventory/v1 file per endpoint into dir.
 * Returns { endpoints, software, bytes, files, counts } (counts: software entries per file, in file order).
 */
export function generateFleet({ endpoints, dir, seed = 42 }) {
  mkdirSync(dir, { recursive: true });
  const pool = softwarePool(seed);
  let software = 0;
  let bytes = 0;
  const counts = [];
  for (let i = 0; i < endpoints; i++) {
    const inventory = generateInventory(seed, i, pool);
    software += inventory.software.length;
    counts.push(inventory.software.length);
    const text = JSON.stringify(inventory);
    bytes += Buffer.byteLength(text);
    writeFileSync(join(dir, `${String(i).padStart(5, "0")}-${inventory.endpoint.hostname}.json`), text);
  }
  return { endpoints, software, bytes, files: endpoints, counts };
}

// ---------------------------------------------------------------- catalog

const q = (value) => JSON.stringify(value); // a JSON string is a valid YAML double-quoted scalar
const flow = (record) => `{ ${Object.entries(record).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${Array.isArray(v) ? `[${v.join(", ")}]` : typeof v === "string" && !/^\d{4}-\d{2}-\d{2}$/.test(v) ? q(v) : v}`).join(", ")} }`;

const DENY = [
  ["TeamViewer*", "Unmanaged remote access: use the MSP's remote support tool"],
  ["AnyDesk*", "Unmanaged remote access: use the MSP's remote support tool"],
  ["Splashtop*", "Unmanaged remote access"],
  ["Chrome Remote Desktop*", "Unmanaged remote access"],
  ["*uTorrent*", "Peer-to-peer file sharing"],
  ["*BitTorrent*", "Peer-to-peer file sharing"],
  ["CCleaner*", "Bundles unwanted software"],
  ["Dropbox", "Client data must stay in the Microsoft 365 tenant"],
  ["Adobe Flash Player*", "End of life since 2020; exploited in the wild"],
  ["telnet", "Sends passwords in clear text", "linux"],
  ["ftp", "Sends passwords in clear text", "linux"],
  ["Tor Browser", "Anonymising browser", "darwin"],
  ["Transmission", "Peer-to-peer file sharing", "darwin"],
  ["Microsoft Silverlight", "End of life since 2021"],
];
const IGNORE = [
  ["Microsoft Visual C++ *"], ["Microsoft .NET *"], ["Microsoft Windows Desktop Runtime*"], ["Microsoft ASP.NET Core*"],
  ["Microsoft Edge WebView2 Runtime"], ["Microsoft Update Health Tools"], ["Office 16 Click-to-Run*"], ["Intel(R) *"],
  ["Realtek *"], ["NVIDIA *"], ["AMD *"], ["Update for *"], ["Security Update for *"], ["Microsoft.*", undefined, "windows"],
  ["MicrosoftCorporationII.*", undefined, "windows"], ["*Driver*"], ["*Firmware Updater*"], ["Python Launcher"],
  ["lib*", undefined, "linux"], ["python3-*", undefined, "linux"], ["fonts-*", undefined, "linux"], ["gir1.2-*", undefined, "linux"],
  ["node-*", undefined, "linux"], ["*-utils", undefined, "linux"], ["kernel*", undefined, "linux"], ["linux-*", undefined, "linux"],
];

/**
 * Writes `${dir}/${client}.catalog.yaml` (about `entries` entries: software allow/deny/ignore, OS and
 * hardware allow, waivers) and `${dir}/${client}.purchases.csv`, the procurement register holding
 * about 95% of the fleet's bought (non-virtual) computers. The register is a CSV, as an MSP exports
 * it from its PSA, so the YAML stays about 2,000 entries whatever the fleet size.
 */
export function generateCatalog({ dir, entries = 2000, endpoints, seed = 42, client = CLIENT }) {
  mkdirSync(dir, { recursive: true });
  const pool = softwarePool(seed);
  const rng = prng(seed, "catalog");
  const lines = [
    "# Generated by bench/gen-fleet.mjs for the evaluate benchmark. Deterministic: same seed, same file.",
    "schema: caveat.catalog/v1",
    `client: ${client}`,
    "name: Bench Client Ltd",
    "warnDays: 180",
    "staleDays: 30",
    "rules:",
    "  software.new: { severity: low }",
    "  os.unknown: { severity: info }",
    "os:",
    "  allow:",
  ];
  let count = 0;
  const osAllow = [
    { platform: "windows", name: "*Windows 11*", editions: ["Pro", "Enterprise"] },
    { platform: "windows", name: "*Windows 10*", editions: ["Pro", "Enterprise", "LTSC"] },
    { platform: "windows", name: "*Windows Server 2019*" },
    { platform: "windows", name: "*Windows Server 2022*" },
    { platform: "linux", name: "Ubuntu * LTS" },
    { platform: "linux", name: "Red Hat Enterprise Linux*" },
    { platform: "darwin" },
  ];
  for (const rule of osAllow) lines.push(`    - ${flow(rule)}`), count++;
  const software = { deny: [], ignore: [], allow: [] };
  for (const [name, reason, platform] of DENY) software.deny.push({ name, platform, reason });
  for (const [name, publisher, platform] of IGNORE) software.ignore.push({ name, publisher, platform });
  // Allow: the popular part of each pool (rank order), families as prefix globs, a few with a publisher.
  const allowTop = (list, share, platform) => {
    for (const t of list.slice(0, Math.round(list.length * share))) {
      if (DENY.some(([g]) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "i").test(t.name))) continue;
      const name = t.name.includes("{v}") ? `${t.name.slice(0, t.name.indexOf("{v}"))}*` : t.name;
      software.allow.push({ name, publisher: t.publisher && rng.chance(0.1) ? t.publisher : undefined, platform });
    }
  };
  allowTop(pool.windows, 0.72, "windows");
  allowTop(pool.linux, 0.3, "linux");
  allowTop(pool.darwin, 0.9, "darwin");
  const rules = osAllow.length + software.deny.length + software.ignore.length;
  const hardwareAllow = [
    { manufacturer: "Dell*", model: "Latitude*" }, { manufacturer: "Dell*", model: "OptiPlex*" }, { manufacturer: "Dell*", model: "PowerEdge*" },
    { manufacturer: "HP", model: "*EliteBook*" }, { manufacturer: "HP", model: "*ProBook*" }, { manufacturer: "HP", model: "*EliteDesk*" },
    { manufacturer: "LENOVO", model: "21AH*" }, { manufacturer: "LENOVO", model: "11DT*" }, { manufacturer: "Apple*" },
  ];
  const waivers = [
    { rule: "os.end-of-life", endpoint: "LAB-*", subject: "*Windows 7*", justification: "Lab instruments need Windows 7 drivers; isolated VLAN", acceptedBy: "J. Doe, Lab Manager", accepted: "2026-01-10", expires: "2027-01-10", ref: "ACK-2026-001" },
    { rule: "os.unapproved", endpoint: "LAB-*", subject: "*Windows 7*", justification: "Lab instruments need Windows 7 drivers", acceptedBy: "J. Doe, Lab Manager", accepted: "2026-01-10", expires: "2027-01-10", ref: "ACK-2026-001" },
    { rule: "software.end-of-life", endpoint: "ACC-*", subject: "*Office 2010*", justification: "Legacy accounting macros; migration planned Q1", acceptedBy: "A. Smith, CFO", accepted: "2026-03-01", expires: "2027-03-31", ref: "ACK-2026-007" },
    { rule: "software.denied", endpoint: "IT-*", subject: "TeamViewer*", justification: "IT staff support a vendor that only offers TeamViewer", acceptedBy: "K. Muller, IT Lead", accepted: "2026-02-01", expires: "2027-02-01", ref: "ACK-2026-003" },
    { rule: "hardware.unregistered", endpoint: "BR3-*", justification: "Branch 3 bought its own PCs before joining", acceptedBy: "P. Nguyen, Branch Manager", accepted: "2025-06-01", expires: "2026-06-30", ref: "ACK-2025-011" },
    { rule: "hardware.unapproved", subject: "*VivoBook*", justification: "Temporary loaners", acceptedBy: "P. Nguyen, Branch Manager", accepted: "2026-09-01", expires: "2026-12-31", ref: "ACK-2026-019" },
    { rule: "software.unapproved", subject: "Contoso*", justification: "Contoso line-of-business tools, reviewed", acceptedBy: "A. Smith, CFO", accepted: "2026-05-01", expires: "2027-05-01" },
    { rule: "os.unapproved", subject: "*Home*", endpoint: "BR1-*", justification: "Home editions to be upgraded with the next refresh", acceptedBy: "M. Garcia, COO", accepted: "2026-04-01", expires: "2026-10-01", ref: "ACK-2026-012" },
  ];
  const inlineProcurement = 5;
  // Pad the allow list to the requested size with titles the client approved but nobody runs any more.
  const fixed = rules + hardwareAllow.length + waivers.length + inlineProcurement;
  let pad = 0;
  while (fixed + software.allow.length < entries) software.allow.push({ name: `${rng.pick(VENDORS)} ${rng.pick(PRODUCTS)} ${2005 + (pad++ % 15)} (retired ${pad})` });
  if (fixed + software.allow.length > entries) software.allow.length = Math.max(0, entries - fixed);
  lines.push("software:", "  mode: allowlist");
  for (const list of ["deny", "allow", "ignore"]) {
    lines.push(`  ${list}:`);
    for (const rule of software[list]) lines.push(`    - ${flow(rule)}`), count++;
  }
  lines.push("hardware:", "  allow:");
  for (const rule of hardwareAllow) lines.push(`    - ${flow(rule)}`), count++;

  // The register: ~95% of bought computers (virtual machines excluded), as a PSA export.
  const csv = ["Serial Number,Model,Manufacturer,Purchase Date,PO Number"];
  const inline = [];
  for (let i = 0; i < endpoints; i++) {
    const who = endpointIdentity(seed, i);
    if (!who.registered) continue;
    const purchased = isoDate(daysBefore(AS_OF, 60 + ((i * 7919) % 1500)));
    if (inline.length < inlineProcurement) inline.push({ serial: who.hw.serial, model: who.hw.model, purchased, ref: `PO-${10000 + i}` });
    else csv.push([who.hw.serial, `"${who.hw.model}"`, `"${who.hw.manufacturer}"`, purchased, `PO-${10000 + i}`].join(","));
  }
  const csvName = `${client}.purchases.csv`;
  writeFileSync(join(dir, csvName), `${csv.join("\n")}\n`);
  lines.push(`procurementFile: ${csvName}`, "procurement:");
  for (const p of inline) lines.push(`  - ${flow(p)}`), count++;
  lines.push("waivers:");
  for (const w of waivers) lines.push(`  - ${flow(w)}`), count++;
  const file = join(dir, `${client}.catalog.yaml`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return { file, entries: count, register: csv.length - 1 + inline.length, softwareRules: software.allow.length + software.deny.length + software.ignore.length };
}

// ---------------------------------------------------------------- CLI

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const arg = (flag, fallback) => {
    const i = process.argv.indexOf(flag);
    return i === -1 ? fallback : process.argv[i + 1];
  };
  const endpoints = Number(arg("--endpoints", 1000));
  const seed = arg("--seed", "42");
  const dir = arg("--dir", `.bench/fleet-${endpoints}`);
  const started = performance.now();
  const fleet = generateFleet({ endpoints, dir, seed });
  const catalog = generateCatalog({ dir: arg("--catalog-dir", `${dir}-catalog`), endpoints, seed });
  console.log(`${fleet.files} inventories (${fleet.software} software entries, ${(fleet.bytes / 1e6).toFixed(1)} MB) in ${dir}; catalog ${catalog.file} (${catalog.entries} entries, register ${catalog.register} serials) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
