/** The JSON files of an app folder (host.json, function.json): read as an object, or one error naming the file. */
import { readFileSync } from "node:fs";
import { AppError } from "./app-error.js";

export type JsonObject = Record<string, unknown>;

export const isObject = (v: unknown): v is JsonObject =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export function readJsonObject(file: string): JsonObject {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new AppError(file, `is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(raw)) throw new AppError(file, "must hold a JSON object");
  return raw;
}
