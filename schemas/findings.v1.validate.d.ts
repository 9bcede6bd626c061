/* Generated from schemas/findings.v1.json by scripts/gen-types.mjs. Do not edit: run `npm run gen:schemas`. */
import type { ErrorObject } from "ajv";
import type { Findings } from "./findings.v1.js";
declare const validate: ((data: unknown) => data is Findings) & { errors?: ErrorObject[] | null };
export default validate;
