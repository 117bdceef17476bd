/**
 * The dashboard's routes, kept in the URL's fragment so that every view (and every filter) is a link that works
 * from a bookmark, whatever path the host serves the static files at, without a server-side fallback:
 * `#/instances?<filters>`, `#/instances/<id>?tab=timeline|table|json`, `#/entities?name=&key=`, `#/hub`.
 */
import { formatListQuery, parseListQuery, type ListQuery } from "./instance-filter.js";

export const HISTORY_TABS = ["timeline", "table", "json"] as const;
export type HistoryTab = (typeof HISTORY_TABS)[number];

export type Route =
  | { view: "instances"; query: ListQuery }
  | { view: "instance"; id: string; tab: HistoryTab }
  | { view: "entities"; name: string; key: string }
  | { view: "hub" };

export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#/, "");
  const q = text.indexOf("?");
  const path = q >= 0 ? text.slice(0, q) : text;
  const search = new URLSearchParams(q >= 0 ? text.slice(q + 1) : "");
  const parts = path.split("/").filter((p) => p !== "");
  if (parts[0] === "instances" && parts.length >= 2) {
    let id: string;
    try {
      id = decodeURIComponent(parts.slice(1).join("/"));
    } catch {
      id = parts.slice(1).join("/");
    }
    const tab = search.get("tab");
    return {
      view: "instance",
      id,
      tab: (HISTORY_TABS as readonly string[]).includes(tab ?? "") ? (tab as HistoryTab) : "timeline",
    };
  }
  if (parts[0] === "hub") return { view: "hub" };
  if (parts[0] === "entities")
    return { view: "entities", name: search.get("name") ?? "", key: search.get("key") ?? "" };
  return { view: "instances", query: parseListQuery(search) };
}

export function routeHref(route: Route): string {
  switch (route.view) {
    case "instances": {
      const s = formatListQuery(route.query);
      return `#/instances${s ? `?${s}` : ""}`;
    }
    case "instance":
      return `#/instances/${encodeURIComponent(route.id)}${route.tab === "timeline" ? "" : `?tab=${route.tab}`}`;
    case "entities": {
      const p = new URLSearchParams();
      if (route.name) p.set("name", route.name);
      if (route.key) p.set("key", route.key);
      const s = p.toString();
      return `#/entities${s ? `?${s}` : ""}`;
    }
    case "hub":
      return "#/hub";
  }
}

export function instanceHref(id: string): string {
  return routeHref({ view: "instance", id, tab: "timeline" });
}
