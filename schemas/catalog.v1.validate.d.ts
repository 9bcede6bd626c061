/* Generated from schemas/catalog.v1.json by scripts/gen-types.mjs. Do not edit: run `npm run gen:schemas`. */
import type { ErrorObject } from "ajv";
import type { Catalog } from "./catalog.v1.js";
declare const validate: ((data: unknown) => data is Catalog) & { errors?: ErrorObject[] | null };
export default validate;
