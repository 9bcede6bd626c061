/* Generated from schemas/branding.v1.json by scripts/gen-types.mjs. Do not edit: run `npm run gen:schemas`. */
import type { ErrorObject } from "ajv";
import type { Branding } from "./branding.v1.js";
declare const validate: ((data: unknown) => data is Branding) & { errors?: ErrorObject[] | null };
export default validate;
