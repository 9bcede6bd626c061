// Dashboard users and their sessions. Passwords are stored as scrypt hashes (node:crypto; no library
// needed), session secrets as SHA-256 (256 random bits need no salt), and a form's CSRF token is an HMAC
// of the session secret: nothing more to store, and it dies with the session.
import { createHmac, randomBytes, randomUUID, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import type { SessionRecord, Store, UserRecord } from "../store/types.js";
import { ServiceError } from "./errors.js";
import { hashToken } from "./tokens.js";

/** scrypt N=2^15, r=8, p=3: one of the OWASP Password Storage Cheat Sheet's equivalent minimums, at 32 MiB a sign-in rather than 128. */
const SCRYPT = { N: 32768, r: 8, p: 3, keyLength: 32, maxmem: 64 * 1024 * 1024 };
export const MIN_PASSWORD = 12;
const MAX_PASSWORD = 1024;
/** A session ends after this long however active it is, and after IDLE_MINUTES without a request. */
export const SESSION_HOURS = 12;
export const IDLE_MINUTES = 60;
const EMAIL = /^[^\s@<>()",;:\\]+@[^\s@<>()",;:\\]+\.[^\s@<>()",;:\\]+$/;

function scryptAsync(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password.normalize("NFC"), salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: SCRYPT.maxmem });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const expected = Buffer.from(parts[5]!, "base64url");
  if (!(N > 1 && N <= 1 << 20 && r > 0 && r <= 32 && p > 0 && p <= 16 && expected.length >= 16)) return false;
  const key = await scryptAsync(password.normalize("NFC"), Buffer.from(parts[4]!, "base64url"), expected.length, { N, r, p, maxmem: 256 * 1024 * 1024 });
  return timingSafeEqual(key, expected);
}

/** What is wrong with a new password, or undefined. Length is what counts (NIST SP 800-63B), not character classes. */
export function passwordProblem(password: string): string | undefined {
  if ([...password].length < MIN_PASSWORD) return `a password needs at least ${MIN_PASSWORD} characters`;
  if (password.length > MAX_PASSWORD) return `a password may have at most ${MAX_PASSWORD} characters`;
  return undefined;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function addUser(store: Store, input: { email: string; name: string; password: string }, now: Date): Promise<UserRecord> {
  const email = normalizeEmail(input.email);
  if (!EMAIL.test(email) || email.length > 254) throw new ServiceError("invalid_request", `email ${JSON.stringify(input.email)}: expected an address like sam@msp.example`);
  const name = input.name.trim();
  if (name === "" || name.length > 256) throw new ServiceError("invalid_request", "name: expected the person's name (1 to 256 characters)");
  const problem = passwordProblem(input.password);
  if (problem) throw new ServiceError("invalid_request", problem);
  const user: UserRecord = { id: randomUUID(), email, name, passwordHash: await hashPassword(input.password), createdAt: now.toISOString() };
  if (!(await store.users.create(user))) throw new ServiceError("conflict", `a user ${email} exists already`);
  return user;
}

/** Sets a new password and ends the user's sessions (someone who knew the old one is signed out). */
export async function setPassword(store: Store, email: string, password: string, now: Date): Promise<UserRecord> {
  const user = await store.users.byEmail(normalizeEmail(email));
  if (!user) throw new ServiceError("not_found", `no user ${normalizeEmail(email)}`);
  const problem = passwordProblem(password);
  if (problem) throw new ServiceError("invalid_request", problem);
  await store.users.setPassword(user.id, await hashPassword(password));
  await store.sessions.endAll(user.id, now.toISOString());
  return user;
}

export interface SignedIn {
  user: UserRecord;
  session: SessionRecord;
  /** The cookie's value; shown to the browser once, only its hash is stored. */
  secret: string;
}

/** Work done for an unknown email too, so the answer's timing does not tell which emails exist. */
let decoy: Promise<string> | undefined;

export async function signIn(store: Store, email: string, password: string, context: { ip?: string; userAgent?: string; now: Date }): Promise<SignedIn> {
  const user = await store.users.byEmail(normalizeEmail(email));
  decoy ??= hashPassword(randomBytes(16).toString("hex"));
  const valid = await verifyPassword(password.slice(0, MAX_PASSWORD), user?.passwordHash ?? (await decoy));
  if (!user || !valid || user.disabledAt) throw new ServiceError("unauthorized", "the email or the password is not right");
  const secret = `cvt_session_${randomBytes(32).toString("base64url")}`;
  const at = context.now.toISOString();
  const session: SessionRecord = {
    idHash: hashToken(secret),
    userId: user.id,
    createdAt: at,
    expiresAt: new Date(context.now.getTime() + SESSION_HOURS * 3_600_000).toISOString(),
    lastSeenAt: at,
    ...(context.ip ? { ip: context.ip } : {}),
    ...(context.userAgent ? { userAgent: context.userAgent.slice(0, 512) } : {}),
  };
  await store.sessions.create(session);
  await store.users.recordLogin(user.id, at);
  return { user, session, secret };
}

/** The signed-in user behind a cookie's secret, or undefined (unknown, ended, expired, idle, or the user disabled). */
export async function sessionUser(store: Store, secret: string | undefined, now: Date): Promise<{ user: UserRecord; session: SessionRecord } | undefined> {
  if (!secret || !secret.startsWith("cvt_session_") || secret.length > 100) return undefined;
  const session = await store.sessions.get(hashToken(secret));
  const t = now.getTime();
  if (!session || session.endedAt || !(Date.parse(session.expiresAt) > t) || Date.parse(session.lastSeenAt) + IDLE_MINUTES * 60_000 < t) return undefined;
  const user = await store.users.get(session.userId);
  if (!user || user.disabledAt) return undefined;
  // Written at most once a minute: every page view would otherwise be a write.
  if (Date.parse(session.lastSeenAt) < t - 60_000) await store.sessions.touch(session.idHash, now.toISOString());
  return { user, session };
}

export async function signOut(store: Store, secret: string | undefined, now: Date): Promise<void> {
  if (secret) await store.sessions.end(hashToken(secret), now.toISOString());
}

/** The CSRF token of a session's forms: an HMAC of its secret (a page from another site can read neither). */
export function csrfToken(secret: string): string {
  return createHmac("sha256", secret).update("caveat-dashboard-csrf-v1").digest("base64url");
}

export function csrfValid(secret: string, submitted: unknown): boolean {
  if (typeof submitted !== "string") return false;
  const expected = Buffer.from(csrfToken(secret));
  const given = Buffer.from(submitted);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Failed sign-ins per address and per email: after LIMIT in WINDOW the next try waits (429) until the oldest
 * failure leaves the window. In memory: each collector instance counts its own (documented).
 */
export class SignInThrottle {
  static readonly LIMIT = 10;
  static readonly WINDOW_MS = 15 * 60_000;
  private readonly failures = new Map<string, number[]>();

  /** Milliseconds to wait before another try from this address for this email, or 0. */
  waitMs(ip: string, email: string, now: Date): number {
    let wait = 0;
    for (const key of this.keys(ip, email)) {
      const recent = this.recent(key, now);
      if (recent.length >= SignInThrottle.LIMIT) wait = Math.max(wait, recent[0]! + SignInThrottle.WINDOW_MS - now.getTime());
    }
    return wait;
  }

  failed(ip: string, email: string, now: Date): void {
    for (const key of this.keys(ip, email)) this.failures.set(key, [...this.recent(key, now), now.getTime()]);
    if (this.failures.size > 10_000) for (const key of [...this.failures.keys()].slice(0, 5_000)) this.failures.delete(key);
  }

  succeeded(ip: string, email: string): void {
    this.failures.delete(`email:${normalizeEmail(email)}`);
    this.failures.delete(`ip:${ip}`);
  }

  private keys(ip: string, email: string): string[] {
    return [`ip:${ip}`, `email:${normalizeEmail(email)}`];
  }

  private recent(key: string, now: Date): number[] {
    return (this.failures.get(key) ?? []).filter((t) => t > now.getTime() - SignInThrottle.WINDOW_MS);
  }
}
