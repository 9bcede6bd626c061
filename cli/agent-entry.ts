// Entry of the single-file deployable agent (npm run build:agent): the same commands, same code.
import { run } from "./main.js";

await run("caveat-agent");
