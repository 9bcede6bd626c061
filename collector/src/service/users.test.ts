// Dashboard users and sessions on a real SQLite database (the store contract covers PostgreSQL's side).
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../store/open-store.js";
import type { Store } from "../store/types.js";
import { hashToken } from "./tokens.js";
import { addUser, csrfToken, csrfValid, hashPassword, IDLE_MINUTES, passwordProblem, SESSION_HOURS, sessionUser, setPassword, SignInThrottle, signIn, signOut, verifyPassword } from "./users.js";

const T0 = new Date("2026-11-23T09:00:00.000Z");
const later = (ms: number) => new Date(T0.getTime() + ms);
const MIN = 60_000;
const PASSWORD = "correct horse battery";

let store: Store;

beforeAll(async () => {
  store = await openStore(`sqlite:${join(await mkdtemp(join(tmpdir(), "caveat-users-")), "c.db")}`);
  await addUser(store, { email: " Sam@MSP.example ", name: "Sam Ops", password: PASSWORD }, T0);
});

afterAll(async () => {
  await store?.close();
});

describe("passwords", () => {
  it("hashes with a fresh salt and verifies only the same password", async () => {
    const [a, b] = await Promise.all([hashPassword("zürich straße ✓"), hashPassword("zürich straße ✓")]);
    expect(a).toMatch(/^scrypt\$32768\$8\$3\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("zürich straße ✓", a)).toBe(true);
    // The same text typed in another Unicode normal form (ü as u + combining diaeresis) is the same password.
    expect(await verifyPassword("zu\u0308rich straße ✓", a)).toBe(true);
    expect(await verifyPassword("zürich strasse ✓", a)).toBe(false);
    expect(await verifyPassword("x", "plain-text")).toBe(false);
    expect(await verifyPassword("x", "scrypt$99999999$8$1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA")).toBe(false);
  });

  it("asks for length, not character classes", () => {
    expect(passwordProblem("Sh0rt!")).toBe("a password needs at least 12 characters");
    expect(passwordProblem("all lowercase words")).toBeUndefined();
    expect(passwordProblem("x".repeat(1025))).toMatch(/at most 1024/);
  });
});

describe("users", () => {
  it("stores the email in lower case, never the password, and refuses a second user with the same email", async () => {
    const user = await store.users.byEmail("sam@msp.example");
    expect(user).toMatchObject({ email: "sam@msp.example", name: "Sam Ops" });
    expect(JSON.stringify(user)).not.toContain(PASSWORD);
    await expect(addUser(store, { email: "SAM@msp.example", name: "Other", password: PASSWORD }, T0)).rejects.toMatchObject({ code: "conflict" });
    await expect(addUser(store, { email: "not-an-email", name: "X", password: PASSWORD }, T0)).rejects.toMatchObject({ code: "invalid_request", message: expect.stringContaining("not-an-email") });
    await expect(addUser(store, { email: "x@msp.example", name: " ", password: PASSWORD }, T0)).rejects.toMatchObject({ message: expect.stringContaining("name") });
    await expect(addUser(store, { email: "x@msp.example", name: "X", password: "short" }, T0)).rejects.toMatchObject({ message: expect.stringContaining("12 characters") });
  });
});

describe("sessions", () => {
  it("signs in with the right password only, with one answer for a wrong password and an unknown email", async () => {
    const wrong = await signIn(store, "sam@msp.example", "wrong password!", { now: T0 }).catch((e: Error) => e);
    const unknown = await signIn(store, "nobody@msp.example", PASSWORD, { now: T0 }).catch((e: Error) => e);
    expect(wrong).toMatchObject({ code: "unauthorized" });
    expect((unknown as Error).message).toBe((wrong as Error).message);

    const { secret, session, user } = await signIn(store, "SAM@msp.example", PASSWORD, { ip: "192.0.2.7", userAgent: "Mozilla/5.0", now: T0 });
    expect(secret).toMatch(/^cvt_session_[\w-]{43}$/);
    expect(session.idHash).toBe(hashToken(secret));
    expect(await store.sessions.get(secret)).toBeUndefined();
    expect(session).toMatchObject({ userId: user.id, ip: "192.0.2.7", userAgent: "Mozilla/5.0", expiresAt: later(SESSION_HOURS * 3_600_000).toISOString() });
    expect((await store.users.get(user.id))?.lastLoginAt).toBe(T0.toISOString());
  });

  it("keeps a session while it is used, ends it when idle, at its absolute end, and on sign-out", async () => {
    const { secret } = await signIn(store, "sam@msp.example", PASSWORD, { now: T0 });
    expect((await sessionUser(store, secret, later(30 * MIN)))?.user.email).toBe("sam@msp.example");
    // Used every 50 minutes: never idle, still over after SESSION_HOURS.
    for (let t = 80; t < SESSION_HOURS * 60; t += 50) expect(await sessionUser(store, secret, later(t * MIN)), `minute ${t}`).toBeDefined();
    expect(await sessionUser(store, secret, later(SESSION_HOURS * 3_600_000))).toBeUndefined();

    const idle = await signIn(store, "sam@msp.example", PASSWORD, { now: T0 });
    expect(await sessionUser(store, idle.secret, later((IDLE_MINUTES + 1) * MIN))).toBeUndefined();

    const out = await signIn(store, "sam@msp.example", PASSWORD, { now: T0 });
    await signOut(store, out.secret, later(MIN));
    expect(await sessionUser(store, out.secret, later(2 * MIN))).toBeUndefined();
    for (const bad of [undefined, "", "cvt_session_unknown", `cvt_session_${"x".repeat(200)}`, hashToken(out.secret)]) expect(await sessionUser(store, bad, later(MIN))).toBeUndefined();
  });

  it("ends sessions when the password changes or the user is disabled", async () => {
    await addUser(store, { email: "alex@msp.example", name: "Alex", password: PASSWORD }, T0);
    const before = await signIn(store, "alex@msp.example", PASSWORD, { now: T0 });
    await setPassword(store, "ALEX@msp.example", "a brand new passphrase", later(MIN));
    expect(await sessionUser(store, before.secret, later(2 * MIN))).toBeUndefined();
    await expect(signIn(store, "alex@msp.example", PASSWORD, { now: later(3 * MIN) })).rejects.toMatchObject({ code: "unauthorized" });
    const after = await signIn(store, "alex@msp.example", "a brand new passphrase", { now: later(3 * MIN) });
    await store.users.disable(after.user.id, later(4 * MIN).toISOString());
    expect(await sessionUser(store, after.secret, later(5 * MIN))).toBeUndefined();
    await expect(signIn(store, "alex@msp.example", "a brand new passphrase", { now: later(6 * MIN) })).rejects.toMatchObject({ code: "unauthorized" });
    await expect(setPassword(store, "ghost@msp.example", PASSWORD, T0)).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("CSRF tokens", () => {
  it("accept the session's own token only", () => {
    const token = csrfToken("cvt_session_a");
    expect(csrfValid("cvt_session_a", token)).toBe(true);
    expect(csrfValid("cvt_session_b", token)).toBe(false);
    expect(csrfValid("cvt_session_a", token.slice(0, -1))).toBe(false);
    expect(csrfValid("cvt_session_a", undefined)).toBe(false);
    expect(csrfValid("cvt_session_a", [token])).toBe(false);
  });
});

describe("sign-in throttle", () => {
  it("makes an address or an email wait after ten failures in fifteen minutes, until the oldest leaves the window", () => {
    const throttle = new SignInThrottle();
    for (let i = 0; i < 9; i++) throttle.failed("192.0.2.1", `user${i}@msp.example`, later(i * MIN));
    expect(throttle.waitMs("192.0.2.1", "other@msp.example", later(9 * MIN))).toBe(0);
    throttle.failed("192.0.2.1", "user9@msp.example", later(9 * MIN));
    expect(throttle.waitMs("192.0.2.1", "other@msp.example", later(10 * MIN))).toBe(5 * MIN);
    expect(throttle.waitMs("192.0.2.2", "other@msp.example", later(10 * MIN))).toBe(0);
    expect(throttle.waitMs("192.0.2.1", "other@msp.example", later(15 * MIN + 1))).toBe(0);

    // One email attacked from many addresses.
    for (let i = 0; i < 10; i++) throttle.failed(`198.51.100.${i}`, "Sam@msp.example", later(20 * MIN));
    expect(throttle.waitMs("203.0.113.9", "sam@msp.example", later(21 * MIN))).toBe(14 * MIN);
    throttle.succeeded("203.0.113.9", "sam@msp.example");
    expect(throttle.waitMs("203.0.113.9", "sam@msp.example", later(21 * MIN))).toBe(0);
  });
});
