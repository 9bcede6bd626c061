/* Generated from schemas/lifecycle.v1.json by scripts/gen-types.mjs. Do not edit: run `npm run gen:schemas`. */
import type { ErrorObject } from "ajv";
import type { LifecycleProduct } from "./lifecycle.v1.js";
declare const validate: ((data: unknown) => data is LifecycleProduct) & { errors?: ErrorObject[] | null };
export default validate;
