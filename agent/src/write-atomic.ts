import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

let sequence = 0;

/**
 * Writes a file so that a reader never sees half of it (temp file in the same directory, then rename).
 * The temp name is unique per call: two probes may record the same file at the same time.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${++sequence}.tmp`;
  await writeFile(temp, data);
  await rename(temp, path);
}
