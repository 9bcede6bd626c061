// The spool: inventories the collector has not accepted yet, kept on disk until it does.
//
// Layout of the spool directory:
//   20261123T090000.123Z-<scanId>.json        one inventory, exactly the bytes that get sent
//   20261123T090000.123Z-<scanId>.state.json  its retry state; only exists after a failed attempt
//   rejected/<item>.json                      inventories the collector refused for good (a 4xx)
//   rejected/<item>.error.json                the collector's answer, beside the inventory it refused
//
// Names start with collectedAt in UTC, fixed width, so lexical order is collection order and the
// oldest item is simply the first name. Every file is written with writeFileAtomic (temp file, fsync,
// rename), and the directory is fsynced after an inventory lands, so a scan is on disk before it is sent.
//
// Why a sidecar state file rather than state encoded in the name: the inventory file is never rewritten
// or renamed while it waits, so whatever a crash interrupts, the inventory itself stays intact. The
// worst a crash can do to the state is lose the last update (one extra attempt, one attempt not
// counted). Orphans are harmless and cleaned up on the next listing: a state file whose inventory is
// gone (a crash between deleting the two), a temp file of an interrupted write. Two agents running at
// once (the scheduler and someone typing `caveat submit`) may both send an item; the collector is
// idempotent by scanId and a file the other one already removed is skipped, so no lock is needed.
import { mkdir, open, readdir, readFile, rename, stat, unlink } from "node:fs/promises";
import { homedir } from "node:os";
import { join, posix, win32 } from "node:path";
import { writeFileAtomic } from "./write-atomic.js";

export interface SpoolLimits {
  /** Inventories waiting to be sent; beyond that the oldest are dropped. */
  maxItems: number;
  /** Total size of the waiting inventories, in bytes. */
  maxBytes: number;
  /** The same two bounds for rejected/. */
  maxRejectedItems: number;
  maxRejectedBytes: number;
}

export const DEFAULT_SPOOL_LIMITS: SpoolLimits = {
  maxItems: 200,
  maxBytes: 100 * 1024 * 1024,
  maxRejectedItems: 50,
  maxRejectedBytes: 25 * 1024 * 1024,
};

/** Where an item stands with the collector. Absent state file = never tried. */
export interface RetryState {
  attempts: number;
  firstAttemptAt?: string;
  lastAttemptAt?: string;
  /** Not sent again before this time (ISO 8601), unless someone flushes the spool by hand. */
  nextAttemptAt?: string;
  lastError?: string;
}

export interface SpoolItem {
  /** File name inside the spool directory. */
  name: string;
  scanId: string;
  collectedAt: string;
  bytes: number;
  state: RetryState;
}

/** What the collector said when it refused an inventory for good; saved as rejected/<item>.error.json. */
export interface RejectionRecord {
  rejectedAt: string;
  url: string;
  status: number;
  /** The collector's error body: parsed JSON ({ error, message, details }) or the raw text. */
  error: unknown;
  attempts: number;
}

export class SpoolError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = "SpoolError";
  }
}

const ITEM_NAME = /^(\d{8}T\d{6}\.\d{3}Z)-([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\.json$/;
const STATE_SUFFIX = ".state.json";
const ERROR_SUFFIX = ".error.json";
/** A temp file this old belongs to a write that died; a live write finishes in milliseconds. */
const STALE_TEMP_MS = 60 * 60 * 1000;
export const REJECTED_DIR = "rejected";

/** `2026-11-23T09:00:00.123Z` + scanId -> `20261123T090000.123Z-<scanId>.json` (sorts by collection time). */
export function spoolItemName(collectedAt: string, scanId: string): string {
  const time = new Date(collectedAt);
  if (Number.isNaN(time.getTime())) throw new SpoolError(`collectedAt ${JSON.stringify(collectedAt)} is not a date-time`, collectedAt);
  // The scanId becomes part of a path: only a UUID may, never "../x".
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(scanId)) {
    throw new SpoolError(`scanId ${JSON.stringify(scanId)} is not a UUID`, scanId);
  }
  const iso = time.toISOString(); // 2026-11-23T09:00:00.123Z: UTC, fixed width for years 0 to 9999
  if (!/^\d{4}-/.test(iso)) throw new SpoolError(`collectedAt ${JSON.stringify(collectedAt)} is outside the years 0 to 9999`, collectedAt);
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 23)}Z`;
  return `${stamp}-${scanId.toLowerCase()}.json`;
}

/** The inverse of spoolItemName; undefined for any other file (state files, temp files, strays). */
export function parseSpoolItemName(name: string): { collectedAt: string; scanId: string } | undefined {
  const match = ITEM_NAME.exec(name);
  if (!match) return undefined;
  const stamp = match[1]!;
  const collectedAt = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 19)}Z`;
  if (Number.isNaN(new Date(collectedAt).getTime())) return undefined;
  return { collectedAt, scanId: match[2]!.toLowerCase() };
}

export function stateFileName(itemName: string): string {
  return itemName.replace(/\.json$/, STATE_SUFFIX);
}

export function errorFileName(itemName: string): string {
  return itemName.replace(/\.json$/, ERROR_SUFFIX);
}

/** An item may be sent when it was never tried or its next attempt time has come. */
export function isDue(state: RetryState, now: Date): boolean {
  if (!state.nextAttemptAt) return true;
  const next = new Date(state.nextAttemptAt).getTime();
  return Number.isNaN(next) || next <= now.getTime();
}

/**
 * Which items to drop so that at most maxItems remain, totalling at most maxBytes. `items` are oldest
 * first and the oldest go first; `keep` (the scan just taken) is never dropped, even when it alone is
 * over the byte bound: a fresh scan is worth more than the bound.
 */
export function selectOverflow(items: ReadonlyArray<{ name: string; bytes: number }>, maxItems: number, maxBytes: number, keep?: string): string[] {
  let count = items.length;
  let bytes = items.reduce((sum, item) => sum + item.bytes, 0);
  const drop: string[] = [];
  for (const item of items) {
    if (count <= maxItems && bytes <= maxBytes) break;
    if (item.name === keep) continue;
    drop.push(item.name);
    count -= 1;
    bytes -= item.bytes;
  }
  return drop;
}

export interface BackoffPolicy {
  baseMs: number;
  factor: number;
  capMs: number;
  /** A Retry-After longer than this is cut to it: a confused proxy must not park the spool for a year. */
  maxRetryAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 60_000, factor: 2, capMs: 6 * 60 * 60 * 1000, maxRetryAfterMs: 24 * 60 * 60 * 1000 };

/**
 * Delay before the next attempt after `attempts` failed ones (1 = the first failure): "full jitter",
 * a uniformly random delay between 0 and min(cap, base * factor^(attempts-1)), so a fleet whose
 * collector came back does not return all at once. A Retry-After from the collector wins when larger.
 */
export function backoffDelayMs(attempts: number, retryAfterMs: number | undefined, random: () => number = Math.random, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const exponent = Math.max(0, attempts - 1);
  const ceiling = Math.min(policy.capMs, policy.baseMs * policy.factor ** exponent);
  const jittered = Math.floor(random() * ceiling);
  const serverAsked = retryAfterMs === undefined ? 0 : Math.min(Math.max(0, retryAfterMs), policy.maxRetryAfterMs);
  return Math.max(jittered, serverAsked);
}

/** The state after one more failed attempt at `now`. */
export function nextRetryState(previous: RetryState, now: Date, error: string, retryAfterMs?: number, random?: () => number): RetryState {
  const attempts = previous.attempts + 1;
  const delay = backoffDelayMs(attempts, retryAfterMs, random);
  return {
    attempts,
    firstAttemptAt: previous.firstAttemptAt ?? now.toISOString(),
    lastAttemptAt: now.toISOString(),
    nextAttemptAt: new Date(now.getTime() + delay).toISOString(),
    lastError: error,
  };
}

export interface DefaultSpoolDirInput {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  isRoot: boolean;
  home: string;
}

/** The spool directory when none is configured: system-wide for root/SYSTEM, per user otherwise. */
export function defaultSpoolDir(input: DefaultSpoolDirInput): string {
  const { platform, env, isRoot, home } = input;
  if (platform === "win32") return win32.join(env.ProgramData || env.PROGRAMDATA || "C:\\ProgramData", "caveat", "spool");
  if (platform === "darwin") {
    return isRoot ? "/Library/Application Support/caveat/spool" : posix.join(home, "Library", "Application Support", "caveat", "spool");
  }
  if (isRoot) return "/var/lib/caveat/spool";
  // XDG says a relative XDG_STATE_HOME is invalid and must be ignored.
  const stateHome = env.XDG_STATE_HOME && posix.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : posix.join(home, ".local", "state");
  return posix.join(stateHome, "caveat", "spool");
}

export function defaultSpoolDirHere(): string {
  return defaultSpoolDir({ platform: process.platform, env: process.env, isRoot: process.getuid?.() === 0, home: homedir() });
}

type Warn = (message: string) => void;

export class Spool {
  readonly rejectedDir: string;
  /** Stray files are named once per run, not at every listing. */
  private readonly warnedStrays = new Set<string>();

  constructor(
    readonly dir: string,
    readonly limits: SpoolLimits = DEFAULT_SPOOL_LIMITS,
    private readonly warn: Warn = () => undefined,
  ) {
    this.rejectedDir = join(dir, REJECTED_DIR);
  }

  /**
   * Stores one inventory durably (written, fsynced, renamed, directory fsynced). Adding the same scan
   * again rewrites the same file. The bounds are enforced after the next send (flushSpool), not here:
   * when the collector is back, the oldest items get delivered instead of dropped.
   */
  async add(data: string | Uint8Array, scanId: string, collectedAt: string): Promise<string> {
    const name = spoolItemName(collectedAt, scanId);
    // Inventories name machines, serials and software: only the agent's own account may read them.
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(join(this.dir, name), data);
    await syncDirectory(this.dir);
    return name;
  }

  /** The waiting items, oldest first. Cleans up orphaned state and temp files as it goes. */
  async list(): Promise<SpoolItem[]> {
    const names = await readDirectory(this.dir);
    const present = new Set(names);
    const items: SpoolItem[] = [];
    for (const name of names) {
      const parsed = parseSpoolItemName(name);
      if (parsed) {
        const bytes = await fileSize(join(this.dir, name));
        if (bytes === undefined) continue; // removed by another agent run meanwhile
        items.push({ name, ...parsed, bytes, state: await this.readState(name) });
      } else if (name.endsWith(STATE_SUFFIX)) {
        const itemName = name.slice(0, -STATE_SUFFIX.length) + ".json";
        if (!present.has(itemName)) await removeFile(join(this.dir, name));
      } else if (name.endsWith(".tmp")) {
        await this.removeStaleTemp(join(this.dir, name));
      } else if (name !== REJECTED_DIR && name.endsWith(".json") && !this.warnedStrays.has(name)) {
        this.warnedStrays.add(name);
        this.warn(`spool ${this.dir}: ignoring ${name} (not named <collectedAt>-<scanId>.json; add inventory files with caveat submit FILE)`);
      }
    }
    return items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The inventory's bytes, or undefined when another agent run has already sent or dropped it. */
  async read(name: string): Promise<Buffer | undefined> {
    return readFile(join(this.dir, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
  }

  async recordFailure(name: string, state: RetryState): Promise<void> {
    // The inventory may have been removed by a concurrent run; a state file without it is cleaned later.
    await writeFileAtomic(join(this.dir, stateFileName(name)), `${JSON.stringify(state)}\n`);
  }

  /** The collector accepted it: the inventory goes first, so a crash in between leaves only an orphan state file. */
  async remove(name: string): Promise<void> {
    await removeFile(join(this.dir, name));
    await removeFile(join(this.dir, stateFileName(name)));
  }

  /**
   * The collector refused it for good: move it to rejected/ with the answer beside it, never delete it.
   * The error file is written first: a crash before the move leaves the item in the spool (it is sent
   * and refused again), never an inventory in rejected/ without its reason.
   */
  async reject(name: string, record: RejectionRecord): Promise<string[]> {
    await mkdir(this.rejectedDir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(join(this.rejectedDir, errorFileName(name)), `${JSON.stringify(record, null, 2)}\n`);
    try {
      await rename(join(this.dir, name), join(this.rejectedDir, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      // Another run got there first (accepted or rejected it); nothing of ours to move.
      await removeFile(join(this.rejectedDir, errorFileName(name)));
      return [];
    }
    await syncDirectory(this.rejectedDir);
    await removeFile(join(this.dir, stateFileName(name)));
    return this.enforceRejectedBounds(name);
  }

  /** Rejected inventories, oldest first, with their size (the inventory and its error file). */
  async listRejected(): Promise<Array<{ name: string; bytes: number }>> {
    const names = await readDirectory(this.rejectedDir);
    const items: Array<{ name: string; bytes: number }> = [];
    for (const name of names) {
      if (name.endsWith(".tmp")) {
        await this.removeStaleTemp(join(this.rejectedDir, name));
        continue;
      }
      if (!parseSpoolItemName(name)) continue;
      const bytes = await fileSize(join(this.rejectedDir, name));
      if (bytes === undefined) continue;
      const errorBytes = (await fileSize(join(this.rejectedDir, errorFileName(name)))) ?? 0;
      items.push({ name, bytes: bytes + errorBytes });
    }
    return items.sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** Puts every rejected inventory back in the spool as never tried (after fixing a token, say). */
  async requeueRejected(): Promise<string[]> {
    const moved: string[] = [];
    for (const { name } of await this.listRejected()) {
      await rename(join(this.rejectedDir, name), join(this.dir, name));
      await removeFile(join(this.rejectedDir, errorFileName(name)));
      moved.push(name);
    }
    if (moved.length > 0) await syncDirectory(this.dir);
    return moved;
  }

  /** Drops the oldest waiting items beyond the bounds (never `keep`), each named in a warning. */
  async enforceBounds(keep?: string): Promise<SpoolItem[]> {
    const items = await this.list();
    const drop = new Set(selectOverflow(items, this.limits.maxItems, this.limits.maxBytes, keep));
    const dropped = items.filter((item) => drop.has(item.name));
    for (const item of dropped) {
      await this.remove(item.name);
      const tried = item.state.attempts === 0 ? "never tried" : `${item.state.attempts} failed attempt(s), last: ${item.state.lastError ?? "unknown"}`;
      this.warn(
        `spool ${this.dir} is over its bound (${this.limits.maxItems} items, ${formatBytes(this.limits.maxBytes)}): dropped ${item.name} (scan ${item.scanId} collected ${item.collectedAt}, ${tried}); it was never submitted`,
      );
    }
    return dropped;
  }

  private async enforceRejectedBounds(keep: string): Promise<string[]> {
    const items = await this.listRejected();
    const drop = selectOverflow(items, this.limits.maxRejectedItems, this.limits.maxRejectedBytes, keep);
    for (const name of drop) {
      await removeFile(join(this.rejectedDir, name));
      await removeFile(join(this.rejectedDir, errorFileName(name)));
      this.warn(
        `${this.rejectedDir} is over its bound (${this.limits.maxRejectedItems} items, ${formatBytes(this.limits.maxRejectedBytes)}): deleted the oldest rejected inventory ${name} and its error`,
      );
    }
    return drop;
  }

  private async readState(name: string): Promise<RetryState> {
    const path = join(this.dir, stateFileName(name));
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { attempts: 0 };
      throw error;
    }
    const state = parseRetryState(text);
    // Never lose an inventory over its bookkeeping: a damaged state file just means "try it now".
    if (!state) this.warn(`spool ${this.dir}: ${stateFileName(name)} is not a valid retry state; treating ${name} as never tried`);
    return state ?? { attempts: 0 };
  }

  private async removeStaleTemp(path: string): Promise<void> {
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
    if (info && Date.now() - info.mtimeMs > STALE_TEMP_MS) await removeFile(path);
  }
}

/** Parses a state file; undefined when it is not one (hand-edited, or from a future version gone wrong). */
export function parseRetryState(text: string): RetryState | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.attempts !== "number" || !Number.isSafeInteger(record.attempts) || record.attempts < 0) return undefined;
  const state: RetryState = { attempts: record.attempts };
  for (const key of ["firstAttemptAt", "lastAttemptAt", "nextAttemptAt", "lastError"] as const) {
    if (typeof record[key] === "string") state[key] = record[key];
  }
  return state;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KB`;
  return `${bytes} bytes`;
}

async function readDirectory(dir: string): Promise<string[]> {
  return readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
}

async function fileSize(path: string): Promise<number | undefined> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  return info?.size;
}

/** Deletes a file that may already be gone (another agent run, or a crash after the delete). */
async function removeFile(path: string): Promise<void> {
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
  });
}

/**
 * fsyncs a directory so a rename into it survives a power cut (ext4, XFS). Windows cannot open a
 * directory for flushing and NTFS journals the rename itself, so it is skipped there.
 */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === "win32") return;
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems (certain network mounts) refuse fsync on a directory; the file itself is synced.
    if (!["EINVAL", "EISDIR", "EPERM", "ENOTSUP"].includes((error as NodeJS.ErrnoException).code ?? "")) throw error;
  } finally {
    await handle.close();
  }
}
