import { describe, expect, it } from "vitest";
import { cleanSerial, deriveEndpointId, normalizeUuid, uuidV5 } from "./identity.js";

describe("endpoint identity", () => {
  it("uses a real SMBIOS UUID as the id, normalised to lowercase", () => {
    expect(deriveEndpointId({ uuid: "{4C4C4544-0042-3510-8052-B4C04F4E4D32}", hostname: "PC1", platform: "windows" })).toEqual({
      id: "4c4c4544-0042-3510-8052-b4c04f4e4d32",
      idSource: "smbios-uuid",
    });
  });

  it("ignores placeholder UUIDs and falls back to the machine id, stable across hostnames", () => {
    const a = deriveEndpointId({ uuid: "03000200-0400-0500-0006-000700080009", machineId: "ABC-123", hostname: "old-name", platform: "windows" });
    const b = deriveEndpointId({ uuid: "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", machineId: "abc-123", hostname: "new-name", platform: "windows" });
    expect(a).toEqual(b);
    expect(a.idSource).toBe("machine-guid");
    expect(deriveEndpointId({ uuid: "00000000-0000-0000-0000-000000000000", machineId: "x", hostname: "h", platform: "linux" }).idSource).toBe("machine-id");
  });

  it("falls back to manufacturer + serial, then hostname", () => {
    expect(deriveEndpointId({ serial: "5CG3281NM4", manufacturer: "HP", hostname: "h", platform: "windows" }).idSource).toBe("serial");
    expect(deriveEndpointId({ serial: "To be filled by O.E.M.", hostname: "h", platform: "windows" }).idSource).toBe("hostname");
  });

  it("computes RFC 4122 version 5 UUIDs (known vector)", () => {
    // python3 -c "import uuid; print(uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org'))"
    expect(uuidV5("python.org", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toBe("886313e1-3b8a-5372-9b90-0c9aee199e5d");
  });

  it("rejects strings that are not UUIDs and firmware placeholder serials", () => {
    expect(normalizeUuid("not-a-uuid")).toBeUndefined();
    expect(cleanSerial("  5CG3281NM4 ")).toBe("5CG3281NM4");
    for (const junk of ["Default string", "0", "0000000", "System Serial Number", "   ", "XXXXXXXX"]) expect(cleanSerial(junk)).toBeUndefined();
  });
});
