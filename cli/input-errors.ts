import { InventoryInputError } from "../collector/src/evaluate/read-inventories.js";
import { ContractError } from "../schemas/validate.js";
import { CliError } from "./errors.js";

/**
 * Input problems (a bad catalog, inventory, lifecycle file or update) are usage errors: exit 2 with every
 * detail. Takes the work as a promise or as a function (for work that throws before any await).
 */
export async function inputErrors<T>(work: Promise<T> | (() => T | Promise<T>)): Promise<T> {
  try {
    return await (typeof work === "function" ? work() : work);
  } catch (error) {
    if (error instanceof ContractError || error instanceof InventoryInputError) throw new CliError(error.message);
    throw error;
  }
}
