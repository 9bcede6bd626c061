// caveat user add / list / password / disable as an MSP runs them, then the dashboard's sign-in with the
// password the CLI printed or read: one real SQLite database, the built CLI.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { TEST_LIFECYCLE } from "../collector/src/evaluate/test-support.js";
import { buildServer, type FastifyInstance } from "../collector/src/http/server.js";
import { createEvaluator } from "../collector/src/service/evaluation.js";
import { openStore } from "../collector/src/store/open-store.js";
import type { Store } from "../collector/src/store/types.js";
import { runCli } from "./cli.js";

let dir: string;
let database: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caveat-user-cli-"));
  database = `sqlite:${join(dir, "caveat.db")}`;
});

/** Signs in on a server over the same database; the status says whether the password worked. */
async function signInStatus(email: string, password: string): Promise<number> {
  const store: Store = await openStore(database);
  const app: FastifyInstance = buildServer({ store, evaluator: createEvaluator(store, TEST_LIFECYCLE) });
  try {
    const answer = await app.inject({ method: "POST", url: "/login", headers: { "content-type": "application/x-www-form-urlencoded" }, payload: new URLSearchParams({ email, password }).toString() });
    return answer.statusCode;
  } finally {
    await app.close();
    await store.close();
  }
}

describe("caveat user", () => {

  it("adds a user with a generated password printed once on stdout, which then signs in", async () => {
    const added = await runCli(["user", "add", "Sam@Northwind-IT.example", "--name", "Sam Ortega", "--database", database], { env: { CAVEAT_PASSWORD: "" } });
    expect(added.code, added.stderr).toBe(0);
    const password = added.stdout.trim();
    expect(password).toMatch(/^[a-zA-Z2-9]{20}$/);
    expect(added.stderr).toContain("added dashboard user sam@northwind-it.example (Sam Ortega)");
    expect(await signInStatus("sam@northwind-it.example", password)).toBe(303);
    expect(await signInStatus("sam@northwind-it.example", "not the password")).toBe(401);
  });

  it("reads a password from a file, refuses a short one and a second user with the same email", async () => {
    await writeFile(join(dir, "lee.pass"), "lighthouse keeper 42\n");
    const added = await runCli(["user", "add", "lee@northwind-it.example", "--name", "Lee", "--password-file", join(dir, "lee.pass"), "--database", database]);
    expect([added.code, added.stdout]).toEqual([0, ""]);
    expect(await signInStatus("lee@northwind-it.example", "lighthouse keeper 42")).toBe(303);
    const again = await runCli(["user", "add", "LEE@northwind-it.example", "--name", "Other", "--password-file", join(dir, "lee.pass"), "--database", database]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("a user lee@northwind-it.example exists already");
    await writeFile(join(dir, "short.pass"), "short\n");
    const short = await runCli(["user", "add", "kim@northwind-it.example", "--name", "Kim", "--password-file", join(dir, "short.pass"), "--database", database]);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain("at least 12 characters");
    const missing = await runCli(["user", "add", "kim@northwind-it.example", "--name", "Kim", "--password-file", join(dir, "nope.pass"), "--database", database]);
    expect(missing.stderr).toContain("cannot read the password file");
    expect((await runCli(["user", "add", "kim@northwind-it.example", "--database", database])).stderr).toContain("--name is required");
  });

  it("gives a new password, lists without hashes, and disables", async () => {
    const reset = await runCli(["user", "password", "lee@northwind-it.example", "--database", database]);
    expect(reset.code, reset.stderr).toBe(0);
    expect(await signInStatus("lee@northwind-it.example", "lighthouse keeper 42")).toBe(401);
    expect(await signInStatus("lee@northwind-it.example", reset.stdout.trim())).toBe(303);

    const listed = await runCli(["user", "list", "--format", "json", "--database", database]);
    const users = JSON.parse(listed.stdout) as { email: string; lastLoginAt?: string }[];
    expect(users.map((u) => u.email)).toEqual(["lee@northwind-it.example", "sam@northwind-it.example"]);
    expect(users[0]!.lastLoginAt).toBeDefined();
    expect(listed.stdout).not.toContain("scrypt");

    expect((await runCli(["user", "disable", "lee@northwind-it.example", "--database", database])).code).toBe(0);
    expect(await signInStatus("lee@northwind-it.example", reset.stdout.trim())).toBe(401);
    const twice = await runCli(["user", "disable", "lee@northwind-it.example", "--database", database]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain("no enabled user lee@northwind-it.example");
    const table = await runCli(["user", "list", "--database", database]);
    expect(table.stdout).toMatch(/lee@northwind-it\.example\s+Lee\s+\S+\s+\S+\s+disabled/);
  });
});
