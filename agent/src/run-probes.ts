import type { ProbeResult } from "../../schemas/inventory.v1.js";
import { CommandNotFound, type Host } from "./host/host.js";
import { ProbeUnsupported, type Contribution, type Probe } from "./probe.js";

export const DEFAULT_PROBE_TIMEOUT_MS = 15_000;

export interface ProbeOutcome {
  probe: Probe;
  result: ProbeResult;
  contribution?: Contribution;
}

class ProbeTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = "ProbeTimeout";
  }
}

/**
 * Runs every probe concurrently, each under its own deadline, except that probes sharing an exclusive
 * resource take turns (in registry order). A probe that throws, hangs or is not supported becomes a
 * status in the result; it never takes the scan down with it.
 */
export function runProbes(probes: readonly Probe[], host: Host, options: { timeoutMs?: number } = {}): Promise<ProbeOutcome[]> {
  const queues = new Map<string, Promise<unknown>>();
  return Promise.all(
    probes.map((probe) => {
      const start = () => runProbe(probe, host, options.timeoutMs ?? probe.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS);
      if (!probe.exclusive) return start();
      // runProbe never rejects, so one failed probe does not break the chain behind it.
      const turn = (queues.get(probe.exclusive) ?? Promise.resolve()).then(start);
      queues.set(probe.exclusive, turn);
      return turn;
    }),
  );
}

export async function runProbe(probe: Probe, host: Host, timeoutMs: number): Promise<ProbeOutcome> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new ProbeTimeout(timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const contribution = await Promise.race([probe.run({ host, signal: controller.signal }), deadline]);
    const message = contribution.notes?.length ? contribution.notes.join("; ") : undefined;
    return { probe, contribution, result: { id: probe.id, status: "ok", durationMs: elapsed(), ...(message ? { message: truncate(message) } : {}) } };
  } catch (error) {
    return { probe, result: { id: probe.id, status: statusOf(error), durationMs: elapsed(), message: truncate(describe(error)) } };
  } finally {
    clearTimeout(timer);
  }
}

function statusOf(error: unknown): ProbeResult["status"] {
  if (error instanceof ProbeTimeout) return "timeout";
  if (error instanceof ProbeUnsupported || error instanceof CommandNotFound) return "unsupported";
  return "error";
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

function truncate(text: string): string {
  return text.length > 4000 ? `${text.slice(0, 4000)}...` : text;
}
