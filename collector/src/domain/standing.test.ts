import { describe, expect, it } from "vitest";
import type { Finding } from "../../../schemas/findings.v1.js";
import type { AckDecision } from "../store/types.js";
import { bandOf, computeStanding, type AdvisedDocument, type StandingInput } from "./standing.js";

function finding(id: string, over: Partial<Finding> & { hostname?: string } = {}): Finding {
  const { hostname = "PC-1", ...rest } = over;
  return {
    id,
    rule: "os.end-of-life",
    severity: "high",
    endpoint: { id: `ep-${hostname}`, hostname },
    subject: `subject ${id}`,
    message: "",
    evidence: {},
    recommendation: "",
    waived: false,
    ...rest,
  };
}

function doc(id: string, createdAt: string, findings: Finding[], over: Partial<AdvisedDocument> = {}): AdvisedDocument {
  return { id, createdAt, status: "pending", acceptDays: 365, findings, ...over };
}

function decision(f: Finding, decision: AckDecision["decision"], until: string, decidedAt: string, documentId = "doc"): AckDecision {
  const { id: findingId, rule, subject } = f;
  return { documentId, findingId, rule, endpointId: f.endpoint.id, hostname: f.endpoint.hostname, subject, decision, until, decidedAt, decidedBy: "Pat Client, CEO" };
}

function standing(over: Partial<StandingInput>) {
  return computeStanding({ at: "2026-11-20T12:00:00.000Z", ignoreAfterDays: 30, current: [], documents: [], decisions: [], ...over });
}

const states = (s: ReturnType<typeof computeStanding>) => Object.fromEntries(s.risks.map((r) => [r.findingId, r.state]));

describe("computeStanding", () => {
  // One finding per state, advised in three documents.
  const f1 = finding("f1", { severity: "critical" });
  const f2 = finding("f2", { severity: "high" });
  const f3 = finding("f3", { severity: "medium" });
  const f4 = finding("f4", { severity: "high" });
  const f5 = finding("f5", { severity: "low" });
  const f6 = finding("f6", { severity: "critical" });
  const docA = doc("A", "2026-09-01T09:00:00.000Z", [f5]);
  const docB = doc("B", "2026-10-01T09:00:00.000Z", [f1, f2, f3, f4], { status: "signed", signedAt: "2026-10-02T10:00:00.000Z" });
  const docC = doc("C", "2026-11-10T09:00:00.000Z", [f6]);
  // Signed documents that advised a single finding, for the tests of one rule.
  const signedFor = (f: Finding) => doc(`B-${f.id}`, "2026-10-01T09:00:00.000Z", [f], { status: "signed", signedAt: "2026-10-02T10:00:00.000Z" });
  const allStates: Omit<StandingInput, "at"> = {
    ignoreAfterDays: 30,
    current: [f2, f3, f4, f5, f6],
    documents: [docC, docA, docB],
    decisions: [
      decision(f2, "remediate", "2026-12-31", "2026-10-02T10:00:00.000Z", "B"),
      decision(f3, "accept", "2027-01-01", "2026-10-02T10:00:00.000Z", "B"),
      decision(f4, "remediate", "2026-11-01", "2026-10-02T10:00:00.000Z", "B"),
    ],
  };

  it("reaches every state, scores the answered ones and sorts worst first", () => {
    const s = standing(allStates);
    expect(s.advised).toBe(6);
    expect(s.counts).toEqual({ remediated: 1, promised: 1, accepted: 1, overdue: 1, ignored: 1, awaiting: 1 });
    // (critical 4×1 + high 3×0.75 + medium 2×0.5 + high 3×0 + low 1×0) / (4+3+2+3+1) = 7.25/13; awaiting f6 left out
    expect(s.score).toBe(56);
    expect(s.band).toBe("poor");
    expect(s.risks.map((r) => [r.findingId, r.state])).toEqual([
      ["f4", "overdue"],
      ["f5", "ignored"],
      ["f6", "awaiting"],
      ["f3", "accepted"],
      ["f2", "promised"],
      ["f1", "remediated"],
    ]);
    expect(s.risks.find((r) => r.findingId === "f3")).toEqual({
      findingId: "f3",
      rule: "os.end-of-life",
      severity: "medium",
      hostname: "PC-1",
      subject: "subject f3",
      state: "accepted",
      since: "2026-10-01T09:00:00.000Z",
      until: "2027-01-01",
      documentId: "B",
    });
    expect(s.risks.find((r) => r.findingId === "f4")?.until).toBe("2026-11-01");
  });

  it("ignores documents and decisions after `at`: an earlier moment gives the earlier standing", () => {
    const s = standing({ ...allStates, at: "2026-10-01T12:00:00.000Z" });
    expect(s.advised).toBe(5); // C is not written yet
    expect(s.counts).toEqual({ remediated: 1, promised: 0, accepted: 0, overdue: 0, ignored: 1, awaiting: 3 });
    expect(states(s)).toEqual({ f1: "remediated", f2: "awaiting", f3: "awaiting", f4: "awaiting", f5: "ignored" });
    expect(s.score).toBe(80); // (critical 4×1 + low 1×0) / 5
  });

  it("counts a waived finding as accepted whatever the decision says", () => {
    const waiver = { rule: "os.end-of-life", endpoint: "PC-1", subject: "subject f4", justification: "kiosk", acceptedBy: "Pat", accepted: "2026-10-01", expires: "2027-06-30" };
    const s = standing({ ...allStates, current: [finding("f4", { severity: "high", waived: true, waiver })], documents: [signedFor(f4)] });
    expect(s.risks.find((r) => r.findingId === "f4")).toMatchObject({ state: "accepted", until: "2027-06-30" });
  });

  it("lets the newest decision replace older ones", () => {
    const s = standing({
      current: [f4],
      documents: [signedFor(f4)],
      decisions: [decision(f4, "remediate", "2026-11-05", "2026-10-15T10:00:00.000Z"), decision(f4, "accept", "2027-01-01", "2026-10-02T10:00:00.000Z")],
    });
    expect(s.risks).toMatchObject([{ findingId: "f4", state: "overdue", until: "2026-11-05" }]);
  });

  describe("an expired acceptance reopens the risk", () => {
    const expired = [decision(f3, "accept", "2026-10-31", "2026-10-02T10:00:00.000Z")];
    const reminder = doc("D", "2026-11-01T09:00:00.000Z", [f3]);
    const sameDay = doc("E", "2026-10-31T18:00:00.000Z", [f3]);

    it("awaits a new document when none was written after the expiry", () => {
      const unansweredBefore = doc("A3", "2026-09-01T09:00:00.000Z", [f3]);
      const s = standing({ current: [f3], documents: [unansweredBefore, signedFor(f3), sameDay], decisions: expired, at: "2027-03-01T00:00:00.000Z" });
      expect(states(s)).toEqual({ f3: "awaiting" });
    });

    it("is awaiting until ignoreAfterDays after the next document, then ignored", () => {
      const input = { current: [f3], documents: [signedFor(f3), reminder], decisions: expired };
      expect(states(standing({ ...input, at: "2026-12-01T09:00:00.000Z" }))).toEqual({ f3: "awaiting" }); // exactly 30 days
      expect(states(standing({ ...input, at: "2026-12-01T09:00:00.001Z" }))).toEqual({ f3: "ignored" });
    });

    it("counts an acceptance as running through its last day", () => {
      expect(states(standing({ current: [f3], documents: [signedFor(f3)], decisions: expired, at: "2026-10-31T23:59:59.000Z" }))).toEqual({ f3: "accepted" });
    });
  });

  describe("a wet-signed paper document", () => {
    const paper = doc("P", "2026-10-01T09:00:00.000Z", [f3], { status: "wet-signed", signedAt: "2026-10-05T10:00:00.000Z", acceptDays: 30 });

    it("accepts its risks for its accept period", () => {
      const s = standing({ current: [f3], documents: [paper], at: "2026-11-04T10:00:00.000Z" });
      expect(s.risks).toMatchObject([{ findingId: "f3", state: "accepted", until: "2026-11-04" }]);
    });

    it("stops accepting after the period, and the old paper starts no clock", () => {
      const s = standing({ current: [f3], documents: [paper], at: "2027-02-01T00:00:00.000Z" });
      expect(states(s)).toEqual({ f3: "awaiting" });
    });

    it("is unanswered before it was signed", () => {
      expect(states(standing({ current: [f3], documents: [paper], at: "2026-10-03T00:00:00.000Z" }))).toEqual({ f3: "awaiting" });
      expect(states(standing({ current: [f3], documents: [paper], at: "2026-10-03T00:00:00.000Z", ignoreAfterDays: 1 }))).toEqual({ f3: "ignored" });
    });

    it("yields to a decision made after the signature, but not to one made before", () => {
      const after = [decision(f3, "accept", "2026-10-10", "2026-10-06T10:00:00.000Z")];
      const before = [decision(f3, "accept", "2026-09-30", "2026-09-01T10:00:00.000Z")];
      const at = "2026-10-20T00:00:00.000Z";
      expect(states(standing({ current: [f3], documents: [paper], decisions: after, at }))).toEqual({ f3: "awaiting" });
      expect(states(standing({ current: [f3], documents: [paper], decisions: before, at }))).toEqual({ f3: "accepted" });
    });
  });

  it("counts purchases the MSP never advised against the score", () => {
    const p1 = finding("p1", { rule: "software.unapproved", severity: "medium" });
    const p2 = finding("p2", { rule: "hardware.unapproved", severity: "low", waived: true });
    const p3 = finding("p3", { rule: "hardware.unregistered", severity: "high" });
    const s = standing({
      current: [p1, p2, p3],
      documents: [doc("B", "2026-10-01T09:00:00.000Z", [f1, p3], { status: "signed", signedAt: "2026-10-02T10:00:00.000Z" })],
      decisions: [decision(p3, "remediate", "2026-12-31", "2026-10-02T10:00:00.000Z")],
    });
    expect(s.unapprovedPurchases).toBe(2); // p1 and p3; p2 is waived
    // (critical f1 4×1 + high p3 3×0.75 + medium p1 2×0) / 9
    expect(s.score).toBe(69);
    expect(s.band).toBe("fair");
    expect(s.advised).toBe(2);
  });

  it("leaves awaiting risks out of the score", () => {
    const s = standing({ current: [f6], documents: [docB, docC] });
    expect(s.counts.awaiting + s.counts.remediated).toBe(5); // f1..f4 are not current any more
    expect(s.score).toBe(100);
  });

  it("has no score when nothing is scoreable", () => {
    expect(standing({})).toMatchObject({ advised: 0, score: null, band: null, risks: [] });
    const info = finding("i1", { severity: "info" });
    const s = standing({ current: [f6], documents: [doc("X", "2026-11-10T09:00:00.000Z", [info, f6])] });
    expect(states(s)).toEqual({ i1: "remediated", f6: "awaiting" });
    expect(s).toMatchObject({ score: null, band: null });
  });

  it("sorts within a state by severity, then hostname as people read it, then subject", () => {
    const risks = [
      finding("a", { severity: "low", hostname: "PC-1" }),
      finding("b", { severity: "high", hostname: "PC-10" }),
      finding("c", { severity: "high", hostname: "PC-2", subject: "Windows 7" }),
      finding("d", { severity: "high", hostname: "PC-2", subject: "Adobe Reader" }),
      finding("e", { severity: "critical", hostname: "PC-9" }),
    ];
    const s = standing({ current: risks, documents: [doc("X", "2026-11-10T09:00:00.000Z", risks)] });
    expect(s.risks.map((r) => r.findingId)).toEqual(["e", "d", "c", "b", "a"]);
  });
});

describe("bandOf", () => {
  it("puts the limits in the better band", () => {
    expect([100, 80, 79, 60, 59, 40, 39, 0].map(bandOf)).toEqual(["good", "good", "fair", "fair", "poor", "poor", "at-risk", "at-risk"]);
  });
});
