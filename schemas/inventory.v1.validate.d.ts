/* Generated from schemas/inventory.v1.json by scripts/gen-types.mjs. Do not edit: run `npm run gen:schemas`. */
import type { ErrorObject } from "ajv";
import type { Inventory } from "./inventory.v1.js";
declare const validate: ((data: unknown) => data is Inventory) & { errors?: ErrorObject[] | null };
export default validate;
