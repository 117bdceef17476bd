/**
 * An HTTP function's `authLevel` against the host's key. The host has one key (TASKHUB_HTTP_KEY, the one the
 * management API checks): it plays the Functions master key, so it opens `function` and `admin` functions
 * alike; `anonymous` functions need none. As in Functions, the key comes in the `code` query parameter or the
 * `x-functions-key` header. With the key check disabled (TASKHUB_HTTP_AUTH=disabled, local development, as
 * `func start` does not check keys either) every level is open.
 */
import { keyMatches } from "../http/api-key.js";

export type AuthLevel = "anonymous" | "function" | "admin";

export type HostAuth = { key: string } | "disabled";

/** Functions' levels, case-insensitively; undefined means anonymous (`@azure/functions`' default). */
export function parseAuthLevel(value: unknown): AuthLevel {
  if (value === undefined || value === null) return "anonymous";
  const level = typeof value === "string" ? value.toLowerCase() : "";
  if (level === "anonymous" || level === "function" || level === "admin") return level;
  throw new Error(`authLevel '${String(value)}' is not one of anonymous, function, admin`);
}

/** True when `request` may call a function of `level`. */
export function isAuthorized(level: AuthLevel, request: Request, auth: HostAuth): boolean {
  if (level === "anonymous" || auth === "disabled") return true;
  const given = new URL(request.url).searchParams.get("code") ?? request.headers.get("x-functions-key");
  return keyMatches(given, auth.key);
}
