export { writeFileAtomic } from "../agent/src/write-atomic.js";

/** Writes to stdout and waits until it is flushed (large inventories piped into another program). */
export function writeStdout(text: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolve())));
}

/** Left-aligned columns two spaces apart, sized to the widest cell, one line per row. */
export function formatColumns(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return `${[line(header), ...rows.map(line)].join("\n")}\n`;
}

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}
