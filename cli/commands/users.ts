// The MSP's dashboard users: added, listed, given a new password, disabled, straight on the database.
import { randomBytes } from "node:crypto";
import { addUser, normalizeEmail, setPassword } from "../../collector/src/service/users.js";
import { CliError } from "../errors.js";
import { formatColumns, log, writeStdout } from "../io.js";
import { parseFormat, readSecret } from "../options.js";
import { serviceErrors } from "./admin.js";
import { withDatabase } from "./database.js";

/** The password from --password-file or $CAVEAT_PASSWORD; otherwise a generated one, printed once on stdout. */
async function passwordOf(file: string | undefined): Promise<{ password: string; generated: boolean }> {
  const given = await readSecret(file, "CAVEAT_PASSWORD", "password");
  if (given !== undefined) return { password: given, generated: false };
  // 20 characters from 32 letters and digits without look-alikes (no 0/O, 1/l/I): 100 bits.
  const alphabet = "abcdefghjkmnpqrstuvwxyz23456789A"; // 32: each random byte maps evenly
  return { password: [...randomBytes(20)].map((b) => alphabet[b % 32]).join(""), generated: true };
}

export async function userAddCommand(email: string, options: { name?: string; passwordFile?: string; database?: string }): Promise<void> {
  const name = options.name?.trim();
  if (!name) throw new CliError('--name is required: the person\'s name, as the audit trail will show it (e.g. --name "Sam Ops")');
  const { password, generated } = await passwordOf(options.passwordFile);
  await withDatabase(options.database, async (store) => {
    const user = await serviceErrors(() => addUser(store, { email, name, password }, new Date()));
    log(`added dashboard user ${user.email} (${user.name})${generated ? ". Their password is shown once, below: hand it over safely; they can be given a new one with caveat user password" : ""}`);
    if (generated) await writeStdout(`${password}\n`);
  });
}

export async function userPasswordCommand(email: string, options: { passwordFile?: string; database?: string }): Promise<void> {
  const { password, generated } = await passwordOf(options.passwordFile);
  await withDatabase(options.database, async (store) => {
    const user = await serviceErrors(() => setPassword(store, email, password, new Date()));
    log(`set a new password for ${user.email} and signed out their sessions${generated ? "; the new password is shown once, below" : ""}`);
    if (generated) await writeStdout(`${password}\n`);
  });
}

export async function userDisableCommand(email: string, options: { database?: string }): Promise<void> {
  await withDatabase(options.database, async (store) => {
    const user = await store.users.byEmail(normalizeEmail(email));
    if (!user || !(await store.users.disable(user.id, new Date().toISOString()))) throw new CliError(`no enabled user ${normalizeEmail(email)}`);
    log(`disabled ${user.email}: they cannot sign in, and their sessions ended`);
  });
}

export async function userListCommand(options: { database?: string; format?: string }): Promise<void> {
  const format = parseFormat(options.format, ["table", "json"]);
  await withDatabase(options.database, async (store) => {
    const users = (await store.users.list()).map(({ passwordHash: _hash, ...user }) => user);
    if (format === "json") return writeStdout(`${JSON.stringify(users, null, 2)}\n`);
    const rows = users.map((u) => [u.email, u.name, u.createdAt.slice(0, 10), u.lastLoginAt?.slice(0, 19) ?? "never", u.disabledAt ? `disabled ${u.disabledAt.slice(0, 10)}` : "active"]);
    await writeStdout(formatColumns(["EMAIL", "NAME", "CREATED", "LAST SIGN-IN", "STATUS"], rows));
  });
}
