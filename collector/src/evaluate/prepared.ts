// The findings document as text, assembled from parts prepared where the findings were made (worker
// threads): every finding and endpoint summary already JSON, beside what orders them. The thread that
// assembles only sorts and joins, and the text is byte for byte JSON.stringify(findingsFromDigests(...)),
// which evaluate.test.ts checks. Serialising 50,000 findings on one thread was a fifth of a fleet's evaluation.
import type { Findings } from "../../../schemas/findings.v1.js";
import { findingsEnvelope, sortEndpoints, sortFindings, summarize, type EndpointResult, type EnvelopeOptions, type FindingOrder } from "./evaluate.js";

/** One finding, serialised, with what orders and counts it. Plain data (it crosses worker threads). */
export interface PreparedFinding extends FindingOrder {
  waived: boolean;
  json: string;
}

/** One endpoint's summary, serialised, and its findings. */
export interface PreparedEndpoint {
  hostname: string;
  id: string;
  json: string;
  findings: PreparedFinding[];
}

export function prepareEndpoint(result: EndpointResult): PreparedEndpoint {
  const { endpoint } = result;
  return {
    hostname: endpoint.hostname,
    id: endpoint.id,
    json: JSON.stringify(endpoint),
    findings: result.findings.map((f) => ({ severity: f.severity, rule: f.rule, hostname: f.endpoint.hostname, subject: f.subject, id: f.id, waived: f.waived, json: JSON.stringify(f) })),
  };
}

/** The two lists close a findings document: the envelope is serialised with them empty and they are spliced in. */
const LISTS = '"endpoints":[],"findings":[]}';

/** Every endpoint's prepared parts -> the findings document (compact JSON, no trailing newline), its summary and its findings in document order. */
export function assembleFindings(endpoints: PreparedEndpoint[], scans: number, options: EnvelopeOptions): { text: string; summary: Findings["summary"]; findings: PreparedFinding[] } {
  const findings: PreparedFinding[] = [];
  for (const endpoint of endpoints) for (const finding of endpoint.findings) findings.push(finding);
  sortFindings(findings, (f) => f);
  const ordered = [...endpoints];
  sortEndpoints(ordered);
  const summary = summarize(findings, ordered.length, scans);
  const envelope = JSON.stringify({ ...findingsEnvelope(options, summary), endpoints: [], findings: [] });
  if (!envelope.endsWith(LISTS)) throw new Error("internal: the findings envelope does not end with its endpoints and findings");
  const parts: string[] = [envelope.slice(0, -LISTS.length), '"endpoints":['];
  ordered.forEach((e, i) => parts.push(i === 0 ? e.json : `,${e.json}`));
  parts.push('],"findings":[');
  findings.forEach((f, i) => parts.push(i === 0 ? f.json : `,${f.json}`));
  parts.push("]}");
  return { text: parts.join(""), summary, findings };
}
