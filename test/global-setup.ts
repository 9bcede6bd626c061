// The end-to-end tests run the CLI as a user would, from the bundles in dist/: build them once, fresh.
import { execFileSync } from "node:child_process";

export default function setup(): void {
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
  execFileSync(process.execPath, ["scripts/build.mjs", "--agent"], { stdio: "inherit" });
}
