// Catalog authors write edition names the way people say them ("Pro", "Home", "LTSC"); inventories carry
// Windows EditionIDs (Professional, Core, EnterpriseS). Microsoft's EditionID values, grouped by what
// the marketing name covers: https://learn.microsoft.com/windows/client-management/mdm/windowslicensing-csp
// and the EditionID list in docs/agent-windows.md.
const ALIASES: Record<string, readonly string[]> = {
  home: ["Core", "CoreN", "CoreSingleLanguage", "CoreCountrySpecific"],
  pro: ["Professional", "ProfessionalN", "ProfessionalWorkstation", "ProfessionalWorkstationN", "ProfessionalEducation", "ProfessionalEducationN"],
  enterprise: ["Enterprise", "EnterpriseN", "EnterpriseG", "EnterpriseGN"],
  education: ["Education", "EducationN"],
  ltsc: ["EnterpriseS", "EnterpriseSN", "IoTEnterpriseS"],
  ltsb: ["EnterpriseS", "EnterpriseSN"],
  iot: ["IoTEnterprise", "IoTEnterpriseS"],
};

/** True when the EditionID an inventory reports is one of the editions a catalog lists (EditionIDs or aliases). */
export function editionMatches(wanted: readonly string[], editionId: string | undefined): boolean {
  if (!editionId) return false;
  const id = editionId.toLowerCase();
  return wanted.some((w) => {
    const want = w.toLowerCase().replace(/\s+/g, "");
    if (want === id) return true;
    // "Enterprise" also covers the N edition (EnterpriseN): the same product without media features.
    if (id.endsWith("n") && want === id.slice(0, -1)) return true;
    return (ALIASES[want] ?? []).some((alias) => alias.toLowerCase() === id);
  });
}
