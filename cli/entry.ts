import { addCollectorCommands } from "./collector-program.js";
import { run } from "./main.js";

await run("caveat", addCollectorCommands);
