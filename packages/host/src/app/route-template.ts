/**
 * Functions' HTTP route templates (`orchestrators/{functionName}`, `{id?}`, `{id:int}`, `{*rest}`) under the
 * route prefix (`api` by default), matched case-insensitively as Functions does. Constraints other than the
 * parameter's presence are not checked, except `int` and `alpha`.
 */
export interface RouteTemplate {
  readonly template: string;
  /** The route parameters of a matching path, or undefined. */
  match(path: string): Record<string, string> | undefined;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function compileRouteTemplate(routePrefix: string, route: string): RouteTemplate {
  const segments = [routePrefix, route].flatMap((part) => part.split("/")).filter((s) => s.length > 0);
  const names: string[] = [];
  const pattern = segments
    .map((seg) => {
      const m = /^\{(\*?)([A-Za-z0-9_]+)(?::([a-z]+)[^}?]*)?(\?)?\}$/.exec(seg);
      if (!m) return `/${escape(seg)}`;
      names.push(m[2]!);
      if (m[1]) return "(?:/(.*))?";
      const value = m[3] === "int" ? "(-?\\d+)" : m[3] === "alpha" ? "([A-Za-z]+)" : "([^/]+)";
      return m[4] ? `(?:/${value})?` : `/${value}`;
    })
    .join("");
  const re = new RegExp(`^${pattern}/?$`, "i");
  return {
    template: segments.join("/"),
    match(path) {
      const m = re.exec(path);
      if (!m) return undefined;
      const params: Record<string, string> = {};
      names.forEach((n, i) => {
        if (m[i + 1] !== undefined) params[n] = decodeURIComponent(m[i + 1]!);
      });
      return params;
    },
  };
}
