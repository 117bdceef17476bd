/**
 * Azure Functions route templates (ASP.NET Core's syntax, as `route` of an HTTP trigger has it): literal
 * segments (matched case-insensitively), parameters `{id}`, optional `{id?}`, defaults `{id=5}`, constraints
 * `{id:int}`, `{id:int?}`, `{name:alpha:minlength(2)}`, `{x:regex(^\d{{3}}$)}` (braces doubled inside), catch-all
 * `{*rest}` / `{**rest}`, and parameters mixed with literals in one segment (`{name}.{ext}`). The template is
 * served under the route prefix (`api` unless `extensions.http.routePrefix` says otherwise; empty: none).
 *
 * A template that cannot be parsed, or names a constraint Functions does not have, throws at registration,
 * naming the function. Matching returns the parameters (absent optional ones are left out; defaults fill in).
 */

export interface CompiledRouteTemplate {
  /** The template as given, without its surrounding slashes. */
  readonly template: string;
  /** For ordering: lower is more specific (literal < constrained < parameter < optional < catch-all). */
  readonly precedence: readonly number[];
  /** The route parameters when `path` (URL-encoded, with the prefix) matches, else undefined. */
  match(path: string): Record<string, string> | undefined;
}

type Constraint = (value: string) => boolean;

interface Parameter {
  name: string;
  optional: boolean;
  catchAll: boolean;
  defaultValue: string | undefined;
  constraints: Constraint[];
}

type Part = { literal: string } | { parameter: Parameter };

const INT32 = [-(2 ** 31), 2 ** 31 - 1] as const;
const INTEGER = /^[-+]?\d+$/;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const GUID_BODY = "[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}";
const GUID = new RegExp(`^(?:${GUID_BODY}|\\{${GUID_BODY}\\}|\\(${GUID_BODY}\\))$`, "i");

function integerWithin(value: string, min: bigint, max: bigint): boolean {
  if (!INTEGER.test(value)) return false;
  const n = BigInt(value);
  return n >= min && n <= max;
}

function numberArg(args: string[], at: number, what: string): number {
  const n = Number(args[at]);
  if (args[at] === undefined || !Number.isFinite(n)) throw new Error(`constraint '${what}' needs a number`);
  return n;
}

/** ASP.NET Core's inline route constraints, by name (case-insensitive). */
function constraintOf(spec: string): Constraint {
  const m = /^([A-Za-z]+)(?:\((.*)\))?$/s.exec(spec);
  if (!m) throw new Error(`constraint '${spec}' is not name or name(arguments)`);
  const name = m[1]!.toLowerCase();
  const raw = m[2];
  const args = raw === undefined ? [] : name === "regex" ? [raw] : raw.split(",").map((a) => a.trim());
  switch (name) {
    case "int":
      return (v) => integerWithin(v, BigInt(INT32[0]), BigInt(INT32[1]));
    case "long":
      return (v) => integerWithin(v, -(2n ** 63n), 2n ** 63n - 1n);
    case "bool":
      return (v) => /^(true|false)$/i.test(v);
    case "datetime":
      return (v) => !Number.isNaN(Date.parse(v));
    case "decimal":
    case "double":
    case "float":
      return (v) => NUMBER.test(v);
    case "guid":
      return (v) => GUID.test(v);
    case "alpha":
      return (v) => /^[a-z]+$/i.test(v);
    case "required":
      return (v) => v.length > 0;
    case "minlength": {
      const n = numberArg(args, 0, spec);
      return (v) => v.length >= n;
    }
    case "maxlength": {
      const n = numberArg(args, 0, spec);
      return (v) => v.length <= n;
    }
    case "length": {
      const a = numberArg(args, 0, spec);
      const b = args.length > 1 ? numberArg(args, 1, spec) : a;
      return (v) => v.length >= a && v.length <= b;
    }
    case "min": {
      const n = numberArg(args, 0, spec);
      return (v) => INTEGER.test(v) && Number(v) >= n;
    }
    case "max": {
      const n = numberArg(args, 0, spec);
      return (v) => INTEGER.test(v) && Number(v) <= n;
    }
    case "range": {
      const a = numberArg(args, 0, spec);
      const b = numberArg(args, 1, spec);
      return (v) => INTEGER.test(v) && Number(v) >= a && Number(v) <= b;
    }
    case "regex": {
      let re: RegExp;
      try {
        re = new RegExp(args[0] ?? "", "i");
      } catch (err) {
        throw new Error(`constraint '${spec}': ${(err as Error).message}`);
      }
      return (v) => re.test(v);
    }
    default:
      throw new Error(`unknown route constraint '${m[1]}'`);
  }
}

/** Splits `int:min(1)` at the colons that are not inside parentheses. */
function splitConstraints(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = "";
  for (const c of body) {
    if (c === "(") depth++;
    else if (c === ")") depth = Math.max(0, depth - 1);
    if (c === ":" && depth === 0) {
      out.push(current);
      current = "";
    } else current += c;
  }
  out.push(current);
  return out;
}

function parseParameter(body: string): Parameter {
  const catchAll = body.startsWith("*");
  let rest = body.replace(/^\*{1,2}/, "");
  // `=default` starts at the first `=` outside a constraint's parentheses; `?` (optional) ends what precedes it.
  let depth = 0;
  let defaultValue: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (c === "(") depth++;
    else if (c === ")") depth = Math.max(0, depth - 1);
    else if (c === "=" && depth === 0) {
      defaultValue = rest.slice(i + 1);
      rest = rest.slice(0, i);
      break;
    }
  }
  const optional = defaultValue === undefined && rest.endsWith("?");
  if (optional) rest = rest.slice(0, -1);
  const [name = "", ...constraintSpecs] = splitConstraints(rest);
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`'{${body}}' is not a valid route parameter`);
  return {
    name,
    optional: optional || catchAll || defaultValue !== undefined,
    catchAll,
    defaultValue,
    constraints: constraintSpecs.map(constraintOf),
  };
}

/** A segment's literal text and parameters; `{{` and `}}` are literal braces. */
function parseSegment(segment: string): Part[] {
  const parts: Part[] = [];
  let literal = "";
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === "{" && segment[i + 1] === "{") {
      literal += "{";
      i++;
    } else if (c === "}" && segment[i + 1] === "}") {
      literal += "}";
      i++;
    } else if (c === "{") {
      let body = "";
      let j = i + 1;
      for (; j < segment.length; j++) {
        if ((segment[j] === "}" || segment[j] === "{") && segment[j + 1] === segment[j]) {
          body += segment[j];
          j++;
        } else if (segment[j] === "}") break;
        else body += segment[j];
      }
      if (j >= segment.length) throw new Error(`unclosed '{' in '${segment}'`);
      if (literal) parts.push({ literal });
      literal = "";
      parts.push({ parameter: parseParameter(body) });
      i = j;
    } else if (c === "}") throw new Error(`unmatched '}' in '${segment}'`);
    else literal += c;
  }
  if (literal) parts.push({ literal });
  return parts;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Compiles `route` (default: the function name) under `routePrefix`. Throws `Error` naming what is wrong in the
 * template; the caller adds the function's name.
 */
export function compileRouteTemplate(route: string, routePrefix = "api"): CompiledRouteTemplate {
  const template = route.replace(/^\/+|\/+$/g, "");
  const prefix = routePrefix.replace(/^\/+|\/+$/g, "");
  const parameters: Parameter[] = [];
  const precedence: number[] = [];
  let pattern = prefix
    ? prefix
        .split("/")
        .map((s) => `/${escape(s)}`)
        .join("")
    : "";
  const segments = template === "" ? [] : template.split("/");
  segments.forEach((segment, index) => {
    const parts = parseSegment(segment);
    if (parts.length === 0) throw new Error(`empty segment in '${route}'`);
    const only = parts.length === 1 && "parameter" in parts[0]! ? parts[0].parameter : undefined;
    if (only?.catchAll && index !== segments.length - 1)
      throw new Error(`the catch-all parameter '{*${only.name}}' must be the last segment of '${route}'`);
    if (only) {
      parameters.push(only);
      precedence.push(only.catchAll ? 5 : only.optional ? 4 : only.constraints.length ? 2 : 3);
      const group = only.catchAll ? "(.*)" : "([^/]+)";
      pattern += only.optional ? `(?:/${group})?` : `/${group}`;
      return;
    }
    precedence.push(parts.every((p) => "literal" in p) ? 1 : 2);
    pattern += "/";
    for (const part of parts) {
      if ("literal" in part) pattern += escape(part.literal);
      else {
        if (part.parameter.catchAll)
          throw new Error(`a catch-all parameter must be a whole segment in '${route}'`);
        parameters.push(part.parameter);
        pattern += part.parameter.optional ? "([^/]*?)" : "([^/]+?)";
      }
    }
  });
  const re = new RegExp(`^${pattern}/?$`, "i");
  return {
    template,
    precedence,
    match(path) {
      const m = re.exec(path);
      if (!m) return undefined;
      const params: Record<string, string> = {};
      for (let i = 0; i < parameters.length; i++) {
        const p = parameters[i]!;
        const raw = m[i + 1];
        let value: string;
        try {
          value = raw === undefined || raw === "" ? "" : decodeURIComponent(raw);
        } catch {
          return undefined; // a malformed escape matches nothing
        }
        if (value === "") {
          if (p.defaultValue !== undefined) params[p.name] = p.defaultValue;
          else if (!p.optional) return undefined;
          continue;
        }
        if (!p.constraints.every((c) => c(value))) return undefined;
        params[p.name] = value;
      }
      return params;
    },
  };
}

/** Orders routes most specific first, as ASP.NET Core's route precedence does. */
export function compareRoutePrecedence(a: CompiledRouteTemplate, b: CompiledRouteTemplate): number {
  const n = Math.max(a.precedence.length, b.precedence.length);
  for (let i = 0; i < n; i++) {
    const x = a.precedence[i] ?? 0;
    const y = b.precedence[i] ?? 0;
    if (x !== y) return x - y;
  }
  return 0;
}
