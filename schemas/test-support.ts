// A minimal valid caveat.inventory/v1 document for the schema tests (a fresh copy per call).
export function minimalInventory() {
  return {
    schema: "caveat.inventory/v1",
    scanId: "0f8fad5b-d9cb-469f-a165-70867728950e",
    collectedAt: "2026-11-23T10:00:00Z",
    agent: { name: "caveat-agent", version: "0.1.0" },
    endpoint: { id: "4c4c4544-0042-3510-8052-b4c04f4e4d32", idSource: "smbios-uuid", hostname: "PC1", type: "desktop" },
    os: { platform: "windows", name: "Microsoft Windows 7 Professional " },
    hardware: { disks: [], nics: [], peripherals: [] },
    software: [] as Record<string, unknown>[],
    security: {},
    probes: [],
  };
}
