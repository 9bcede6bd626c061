export { writeFileAtomic } from "../agent/src/write-atomic.js";

/** Writes to stdout and waits until it is flushed (large inventories piped into another program). */
export function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolve())));
}

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}
