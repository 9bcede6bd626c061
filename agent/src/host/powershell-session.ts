// One long-lived Windows PowerShell per scan (node-powershell), instead of one process per command:
// starting powershell.exe costs 0.3-1 s each time.
import { PowerShell } from "node-powershell";
import { CommandNotFound } from "./host.js";

export class PowerShellSession {
  private readonly shell: PowerShell;
  broken = false;

  constructor() {
    this.shell = new PowerShell({
      executableOptions: { "-NoProfile": true, "-NonInteractive": true, "-ExecutionPolicy": "Bypass" },
      throwOnInvocationError: true,
    });
  }

  /**
   * The console code page of Windows PowerShell 5.1 is the OEM one, which mangles non-ASCII
   * DisplayNames; the script's text therefore crosses the pipe as base64 of its UTF-8 bytes.
   */
  async invoke(script: string, signal?: AbortSignal): Promise<string> {
    const wrapped = `$__caveat = (& {\n${script}\n} | Out-String); [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($__caveat))`;
    const run = this.shell.invoke(wrapped);
    const aborted = new Promise<never>((_, reject) => {
      signal?.addEventListener("abort", () => reject(signal.reason ?? new Error("aborted")), { once: true });
    });
    try {
      const result = await Promise.race([run, aborted]);
      return decodeTransport(result.raw);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        this.broken = true;
        throw new CommandNotFound("powershell.exe");
      }
      if ((error as Error).name === "ProcessError") this.broken = true;
      throw error;
    }
  }

  async dispose(): Promise<void> {
    // Disposing a shell that already died rejects; there is nothing left to clean up then.
    await this.shell.dispose().catch(() => undefined);
  }
}

export function decodeTransport(raw: string): string {
  const base64 = raw.trim().split(/\s+/).pop() ?? "";
  return Buffer.from(base64, "base64").toString("utf8").replace(/^\uFEFF/, "").replace(/\r\n/g, "\n");
}
