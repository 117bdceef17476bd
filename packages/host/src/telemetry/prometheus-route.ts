/**
 * `GET /metrics` on the host's port: the metrics in Prometheus' text format, for a Prometheus that scrapes the
 * host (`OTEL_METRICS_EXPORTER=prometheus`). Behind the host's key like the management API, given as the
 * `code` query parameter, the `x-functions-key` header or `Authorization: Bearer <key>` (Prometheus'
 * `authorization` scrape setting); open when the host runs with `TASKHUB_HTTP_AUTH=disabled`.
 */
import { keyMatches } from "../http/api-key.js";

export function prometheusRoute(
  scrape: () => Promise<Response>,
  auth: { key: string } | "disabled",
): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD")
      return Response.json({ Message: "use GET" }, { status: 405, headers: { allow: "GET, HEAD" } });
    if (auth !== "disabled") {
      const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
      const given =
        new URL(request.url).searchParams.get("code") ??
        request.headers.get("x-functions-key") ??
        bearer ??
        null;
      if (!keyMatches(given, auth.key))
        return Response.json({ Message: "a valid key is required" }, { status: 401 });
    }
    return scrape();
  };
}
