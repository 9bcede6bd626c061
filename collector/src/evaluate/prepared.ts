// The findings document, assembled from parts prepared where the findings were made (worker threads):
// every finding and endpoint summary already serialised, beside what orders it. The thread that assembles
// only sorts and copies bytes, and the document is byte for byte JSON.stringify(findingsFromDigests(...))
// (prepared.test.ts checks it). Serialising 50,000 findings on one thread was a fifth of a fleet's evaluation.
//
// The serialised parts are UTF-8 in chunks outside the JavaScript heap (TextSink): tens of megabytes of
// strings kept alive until the end made garbage collection a tenth of the work, and a worker hands its
// chunks over whole (transferred, not copied).
import type { Findings } from "../../../schemas/findings.v1.js";
import { collationRanks, findingsEnvelope, sortEndpoints, sortFindings, summarize, type EndpointResult, type EnvelopeOptions, type FindingOrder } from "./evaluate.js";

/** Where serialised text lies: chunk `chunk` of sink `sink`, bytes start to end. Plain numbers (they cross threads). */
export interface Span {
  sink: number;
  chunk: number;
  start: number;
  end: number;
}

/** One finding, serialised, with what orders and counts it. Plain data (it crosses worker threads). */
export interface PreparedFinding extends FindingOrder, Span {
  waived: boolean;
}

/** One endpoint's summary, serialised, and its findings. */
export interface PreparedEndpoint extends Span {
  hostname: string;
  id: string;
  findings: PreparedFinding[];
}

const CHUNK_BYTES = 4 * 1024 * 1024;

/** Text written as UTF-8 into chunks outside the heap. Each thread has one, numbered. */
export class TextSink {
  /** Chunks in order; the last one is being filled. */
  readonly chunks: Buffer[] = [];
  private used = 0;
  /** Chunks before this one were handed over by take(). */
  private taken = 0;

  constructor(readonly id: number) {}

  put(text: string): Span {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    let current = this.chunks[this.chunks.length - 1];
    if (!current || current.length - this.used < text.length * 3) {
      current = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, text.length * 3));
      this.chunks.push(current);
      this.used = 0;
    }
    const start = this.used;
    this.used += current.write(text, start, "utf8");
    return { sink: this.id, chunk: this.chunks.length - 1, start, end: this.used };
  }

  /** The chunks not handed over yet, to transfer to another thread: the last one only when `all` (nothing more will be put). */
  take(all: boolean): ArrayBuffer[] {
    const end = all ? this.chunks.length : this.chunks.length - 1;
    const out = this.chunks.slice(this.taken, end).map((chunk) => chunk.buffer as ArrayBuffer);
    this.taken = Math.max(this.taken, end);
    return out;
  }
}

/** The chunks of every sink, as the assembling thread holds them. */
export class Chunks {
  private readonly sinks = new Map<number, Buffer[]>();

  add(sink: number, chunks: Iterable<ArrayBuffer | Buffer>): void {
    const list = this.sinks.get(sink) ?? [];
    for (const chunk of chunks) list.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    this.sinks.set(sink, list);
  }

  /** The chunk a span lies in. */
  chunk(span: Span): Buffer {
    const chunk = this.sinks.get(span.sink)?.[span.chunk];
    if (!chunk) throw new Error(`internal: serialised text of sink ${span.sink}, chunk ${span.chunk} was not handed over`);
    return chunk;
  }
}

function span(sink: TextSink, value: unknown): Span {
  return sink.put(JSON.stringify(value));
}

export function prepareEndpoint(result: EndpointResult, sink: TextSink): PreparedEndpoint {
  const { endpoint } = result;
  return {
    hostname: endpoint.hostname,
    id: endpoint.id,
    ...span(sink, endpoint),
    findings: result.findings.map((f) => ({ severity: f.severity, rule: f.rule, hostname: f.endpoint.hostname, subject: f.subject, id: f.id, waived: f.waived, ...span(sink, f) })),
  };
}

function* rankedValues(findings: readonly PreparedFinding[], endpoints: readonly PreparedEndpoint[]): Iterable<string> {
  for (const f of findings) {
    yield f.rule;
    yield f.hostname;
    yield f.subject;
  }
  for (const e of endpoints) yield e.hostname;
}

/** The two lists close a findings document: the envelope is serialised with them empty and they are spliced in. */
const LISTS = '"endpoints":[],"findings":[]}';

/** Every endpoint's prepared parts -> the findings document (compact JSON on one line ending in a newline, UTF-8), its summary and its findings in document order. */
export function assembleFindings(endpoints: PreparedEndpoint[], chunks: Chunks, scans: number, options: EnvelopeOptions): { bytes: Buffer; summary: Findings["summary"]; findings: PreparedFinding[] } {
  const findings: PreparedFinding[] = [];
  for (const endpoint of endpoints) for (const finding of endpoint.findings) findings.push(finding);
  const ranks = collationRanks(rankedValues(findings, endpoints));
  sortFindings(findings, (f) => f, ranks);
  const ordered = [...endpoints];
  sortEndpoints(ordered, ranks);
  const summary = summarize(findings, ordered.length, scans);
  const envelope = JSON.stringify({ ...findingsEnvelope(options, summary), endpoints: [], findings: [] });
  if (!envelope.endsWith(LISTS)) throw new Error("internal: the findings envelope does not end with its endpoints and findings");
  // Copied straight into one buffer of the exact size: Buffer.concat over 100,000 slices cost more than the copying.
  const head = Buffer.from(`${envelope.slice(0, -LISTS.length)}"endpoints":[`);
  const middle = Buffer.from('],"findings":[');
  const tail = Buffer.from("]}\n");
  const size = (spans: readonly Span[]) => spans.reduce((total, s) => total + (s.end - s.start), 0) + Math.max(0, spans.length - 1);
  const bytes = Buffer.allocUnsafe(head.length + size(ordered) + middle.length + size(findings) + tail.length);
  let at = 0;
  const put = (part: Buffer) => (at += part.copy(bytes, at));
  const list = (spans: readonly Span[]) =>
    spans.forEach((s, i) => {
      if (i > 0) bytes[at++] = 0x2c; // ","
      at += chunks.chunk(s).copy(bytes, at, s.start, s.end);
    });
  put(head);
  list(ordered);
  put(middle);
  list(findings);
  put(tail);
  if (at !== bytes.length) throw new Error(`internal: assembled ${at} of ${bytes.length} bytes of findings`);
  return { bytes, summary, findings };
}
