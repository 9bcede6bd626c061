// A progress line on stderr for batch work. On a terminal it redraws one bar in place; in a log file
// or CI (not a TTY) it prints one line per item, so the record stays readable.
export interface Progress {
  tick(label: string): void;
  done(): void;
}

export function progressBar(total: number, stream: NodeJS.WriteStream = process.stderr, width = 24): Progress {
  let count = 0;
  const started = performance.now();
  return {
    tick(label) {
      count++;
      if (!stream.isTTY) {
        stream.write(`[${count}/${total}] ${label}\n`);
        return;
      }
      const filled = total === 0 ? width : Math.round((count / total) * width);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const line = `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${count}/${total} ${label} (${seconds} s)`;
      stream.write(`\r\x1b[2K${line.slice(0, Math.max(20, (stream.columns || 80) - 1))}`);
    },
    done() {
      if (stream.isTTY && count > 0) stream.write("\n");
    },
  };
}
