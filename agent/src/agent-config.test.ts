import { chmod, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AgentConfigError, defaultConfigPath, isReadableByOthers, parseAgentConfig, parseSubmitUrl, resolveSubmitSettings, type ResolveContext, type SubmitFlags } from "./agent-config.js";
import { DEFAULT_SPOOL_LIMITS } from "./spool.js";

describe("parseAgentConfig", () => {
  it("reads the documented keys and returns unknown ones to warn about", () => {
    const text = '\uFEFF{ "submitUrl": "https://c.example.net", "tokenFile": "token.txt", "client": "acme-dental", "spoolDir": "spool", "spoolMaxItems": 20, "every": "6h" }';
    expect(parseAgentConfig(text, "agent.json")).toEqual({
      values: { submitUrl: "https://c.example.net", tokenFile: "token.txt", client: "acme-dental", spoolDir: "spool", spoolMaxItems: 20 },
      unknownKeys: ["every"],
    });
  });

  it.each([
    ["{ submitUrl: 1 }", /agent.json: not valid JSON/],
    ["[]", /expected a JSON object/],
    ['{ "token": "" }', /"token" must be a non-empty string/],
    ['{ "spoolMaxBytes": "100MB" }', /"spoolMaxBytes" must be a positive whole number/],
    ['{ "token": "a", "tokenFile": "b" }', /give "token" or "tokenFile", not both/],
  ])("refuses %s", (text, message) => {
    expect(() => parseAgentConfig(text, "agent.json")).toThrow(message);
  });
});

describe("parseSubmitUrl", () => {
  it("adds the inventories path when only the server is named", () => {
    expect(parseSubmitUrl("https://caveat.example.net", "--submit").href).toBe("https://caveat.example.net/api/v1/inventories");
    expect(parseSubmitUrl("https://caveat.example.net/msp1/api/v1/inventories", "--submit").href).toBe("https://caveat.example.net/msp1/api/v1/inventories");
  });
  it.each([
    ["ftp://caveat.example.net", /expected an http:\/\/ or https:\/\/ URL/],
    ["caveat.example.net", /not a URL/],
    ["https://msp:hunter2@caveat.example.net", /must not contain a user name or password/],
  ])("refuses %s", (url, message) => {
    expect(() => parseSubmitUrl(url, "--submit")).toThrow(message);
  });
});

describe("defaultConfigPath", () => {
  it("is /etc/caveat/agent.json, or under ProgramData on Windows", () => {
    expect(defaultConfigPath("linux", {})).toBe("/etc/caveat/agent.json");
    expect(defaultConfigPath("darwin", {})).toBe("/etc/caveat/agent.json");
    expect(defaultConfigPath("win32", { ProgramData: "C:\\ProgramData" })).toBe("C:\\ProgramData\\caveat\\agent.json");
  });
});

it("isReadableByOthers looks at the group and other read bits", () => {
  expect(isReadableByOthers(0o100600)).toBe(false);
  expect(isReadableByOthers(0o100640)).toBe(true);
  expect(isReadableByOthers(0o100604)).toBe(true);
  expect(isReadableByOthers(0o100700)).toBe(false);
});

describe("resolveSubmitSettings", () => {
  async function setup(config: object | undefined, mode = 0o600) {
    const dir = await mkdtemp(join(tmpdir(), "caveat-config-"));
    const path = join(dir, "agent.json");
    if (config) {
      await writeFile(path, JSON.stringify(config));
      await chmod(path, mode);
    }
    const warnings: string[] = [];
    const context = (env: NodeJS.ProcessEnv = {}): ResolveContext => ({ env, platform: "linux", warn: (m) => warnings.push(m), defaultSpoolDir: "/var/lib/caveat/spool", urlFlag: "--submit URL" });
    return { dir, path, warnings, context };
  }

  it("takes flags over CAVEAT_TOKEN over the config file", async () => {
    const { path, context } = await setup({ submitUrl: "https://config.example.net", token: "from-config", client: "acme-dental", spoolDir: "spool" });
    const flags: SubmitFlags = { config: path };
    expect(await resolveSubmitSettings(flags, context())).toMatchObject({ token: "from-config", tokenSource: path, url: new URL("https://config.example.net/api/v1/inventories"), client: "acme-dental" });
    expect(await resolveSubmitSettings(flags, context({ CAVEAT_TOKEN: "from-env" }))).toMatchObject({ token: "from-env", tokenSource: "CAVEAT_TOKEN" });
    const all = await resolveSubmitSettings({ ...flags, token: "from-flag", url: "https://flag.example.net", client: "other", spool: "/tmp/s" }, context({ CAVEAT_TOKEN: "from-env" }));
    expect(all).toMatchObject({ token: "from-flag", tokenSource: "--token", url: new URL("https://flag.example.net/api/v1/inventories"), client: "other", clientSource: "--client", spoolDir: "/tmp/s" });
  });

  it("reads CAVEAT_CONFIG when no --config is given, and resolves relative paths against the file's folder", async () => {
    const { dir, path, warnings, context } = await setup({ submitUrl: "https://c.example.net", tokenFile: "secrets/token", spoolDir: "spool" });
    await mkdir(join(dir, "secrets"));
    await writeFile(join(dir, "secrets", "token"), "tok-from-file\n", { mode: 0o600 });
    const settings = await resolveSubmitSettings({}, context({ CAVEAT_CONFIG: path }));
    expect(settings).toMatchObject({ token: "tok-from-file", tokenSource: join(dir, "secrets", "token"), spoolDir: join(dir, "spool"), configPath: path, limits: DEFAULT_SPOOL_LIMITS });
    expect(warnings).toEqual([]);
  });

  it("warns when a token is readable by other users, in the config file or a token file", async () => {
    const exposed = await setup({ submitUrl: "https://c.example.net", token: "tok-1234" }, 0o644);
    await resolveSubmitSettings({ config: exposed.path }, exposed.context());
    expect(exposed.warnings).toEqual([`${exposed.path} holds a token and is readable by other users (mode 0644): chmod 600 ${exposed.path}`]);

    const viaFile = await setup({ submitUrl: "https://c.example.net", tokenFile: "token" }, 0o644);
    await writeFile(join(viaFile.dir, "token"), "tok-1234", { mode: 0o640 });
    await resolveSubmitSettings({ config: viaFile.path }, viaFile.context());
    // The config file itself holds no token, so only the token file is named.
    expect(viaFile.warnings).toEqual([`token file ${join(viaFile.dir, "token")} is readable by other users (mode 0640): chmod 600 ${join(viaFile.dir, "token")}`]);
  });

  it("explains where a token can come from when there is none", async () => {
    const { path, context } = await setup({ submitUrl: "https://c.example.net" });
    await expect(resolveSubmitSettings({ config: path }, context())).rejects.toThrow(
      `no collector token: give --token TOKEN, set CAVEAT_TOKEN, or put "token" or "tokenFile" in ${path} (or a file named by --config)`,
    );
  });

  it("needs a URL, refuses a token with spaces without quoting it, and a named config file that is missing", async () => {
    const { dir, path, context } = await setup({ token: "tok-1234" });
    await expect(resolveSubmitSettings({ config: path }, context())).rejects.toThrow(`no collector URL: give --submit URL, or put "submitUrl" in ${path}`);
    const spaced = resolveSubmitSettings({ config: path, url: "https://c.example.net", token: "secret with spaces" }, context());
    await expect(spaced).rejects.toThrow("the token from --token contains spaces or characters other than printable ASCII");
    await expect(resolveSubmitSettings({ config: join(dir, "nope.json"), url: "https://c.example.net", token: "x" }, context())).rejects.toThrow(AgentConfigError);
  });

  it("warns about plain http to another machine, not to loopback", async () => {
    // An empty config file, so that a real /etc/caveat/agent.json on this machine plays no part.
    const { path, warnings, context } = await setup({});
    await resolveSubmitSettings({ config: path, url: "http://127.0.0.1:8080", token: "tok" }, context());
    await resolveSubmitSettings({ config: path, url: "http://localhost:8080", token: "tok" }, context());
    expect(warnings).toEqual([]);
    await resolveSubmitSettings({ config: path, url: "http://collector.lan", token: "tok" }, context());
    expect(warnings).toEqual(["submitting to http://collector.lan over plain http: the token and the inventory travel unencrypted"]);
  });
});
