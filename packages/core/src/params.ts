/**
 * Validation of request parameters shared by every endpoint and SDK call.
 */
import { parseDateInput, type IsoDate } from "./dates.ts";
import { InputError } from "./errors.ts";

/**
 * Parse a user-supplied date parameter (`YYYYMMDD` or `YYYY-MM-DD`).
 * @param name the parameter's name, used in the error (e.g. `start_date`)
 * @throws {InputError} `INVALID_DATE` naming the parameter when the value is not a real date in
 *   either form (`20240231`, `2024/01/01`).
 */
export function parseDateParam(name: string, value: string): IsoDate {
  const date = parseDateInput(value);
  if (!date) {
    throw new InputError("INVALID_DATE", `Invalid ${name} '${value}': expected a real date as YYYYMMDD or YYYY-MM-DD`, {
      [name]: value,
    });
  }
  return date;
}
