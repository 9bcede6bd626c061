import { mkdir, open, rename, stat, unlink, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

let sequence = 0;

/**
 * Writes a file so that a reader never sees half of it: a temp file in the same directory, flushed to
 * disk, then renamed over the target. The temp name is unique per call: two probes may record the same
 * file at the same time. A target that exists and is not a regular file (/dev/null, /dev/stdout, a FIFO)
 * is written directly: renaming over it would replace the device with a file.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
  const existing = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (existing && !existing.isFile()) {
    await writeFile(path, data);
    return;
  }
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${++sequence}.tmp`;
  // A mode (0o600 for a key) applies from the start: the secret is never readable by others, even briefly.
  const handle = await open(temp, "w", options.mode ?? 0o666);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  await rename(temp, path);
}
