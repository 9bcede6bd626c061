// Run-time helpers of the precompiled validators (schemas/*.validate.js, written by scripts/gen-types.mjs).
// Plain JavaScript, because the generator itself (a node script) imports it to compile the schemas.
//
// `formats` is ajv-formats' full set with one replacement: `date` gives the same answers without a regular
// expression and its match array. It runs once per installed program of every inventory (installedOn), which
// made it a tenth of the cost of checking a fleet; schemas/validator-runtime.test.ts compares the two.
import { fullFormats } from "ajv-formats/dist/formats.js";

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Two ASCII digits at `at` as a number, or -1. */
function twoDigits(text, at) {
  const tens = text.charCodeAt(at) - 48;
  const units = text.charCodeAt(at + 1) - 48;
  return tens >= 0 && tens <= 9 && units >= 0 && units <= 9 ? tens * 10 + units : -1;
}

/** RFC 3339 full-date (YYYY-MM-DD, a day that exists in that month and year): ajv-formats' `date` (full mode). */
export function isFullDate(text) {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return false;
  const century = twoDigits(text, 0);
  const yy = twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  if (century < 0 || yy < 0 || month < 1 || month > 12 || day < 1) return false;
  const year = century * 100 + yy;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month]);
}

export const formats = { ...fullFormats, date: { ...fullFormats.date, validate: isFullDate } };
