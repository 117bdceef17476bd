/**
 * HTTP client functions (`app.client.http(name, { route, methods, handler })`): the facade's stand-in for
 * Functions' HTTP trigger. `createHttpHandler()` returns a fetch-style handler serving them under
 * `/api/<route>` (route parameters `{name}` / `{name?}` become `request.params`), to mount in any server
 * — `serve()` from @taskhub/host, or next to the host's management API.
 */
import type { InvocationContext } from "../orchestration/invocation-context.js";
import type { DurableClient } from "../client/durable-client.js";

type BodyInit = NonNullable<ConstructorParameters<typeof Response>[0]>;
type HeadersInit = ConstructorParameters<typeof Headers>[0];

/** The parts of Functions' `HttpRequest` handlers use. */
export class HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
  readonly query: URLSearchParams;
  readonly params: Record<string, string>;
  readonly user = null;
  private readonly request: Request;

  constructor(request: Request, params: Record<string, string> = {}) {
    this.request = request;
    this.method = request.method;
    this.url = request.url;
    this.headers = request.headers;
    this.query = new URL(request.url).searchParams;
    this.params = params;
  }
  get body(): ReadableStream<Uint8Array> | null {
    return this.request.body;
  }
  get bodyUsed(): boolean {
    return this.request.bodyUsed;
  }
  text(): Promise<string> {
    return this.request.text();
  }
  json(): Promise<unknown> {
    return this.request.json();
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    return this.request.arrayBuffer();
  }
  formData(): Promise<FormData> {
    return this.request.formData();
  }
  blob(): Promise<Blob> {
    return this.request.blob();
  }
}

/** Functions' `HttpResponseInit`. */
export interface HttpResponseInit {
  status?: number;
  body?: BodyInit | null;
  jsonBody?: unknown;
  headers?: HeadersInit;
  cookies?: unknown[];
  enableContentNegotiation?: boolean;
}

/** Functions' `HttpResponse`: a fetch `Response` built from an `HttpResponseInit`. */
export class HttpResponse extends Response {
  constructor(init: HttpResponseInit = {}) {
    super(...toResponseArgs(init));
  }
}

function toResponseArgs(init: HttpResponseInit): [BodyInit | null, ResponseInit] {
  const headers = new Headers(init.headers);
  let body: BodyInit | null = init.body ?? null;
  if (init.jsonBody !== undefined) {
    body = JSON.stringify(init.jsonBody);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  return [body, { status: init.status ?? 200, headers }];
}

export type HttpDurableClientHandler = (
  request: HttpRequest,
  client: DurableClient,
  context: InvocationContext,
) => HttpResponseInit | Response | Promise<HttpResponseInit | Response>;

export interface HttpDurableClientOptions {
  handler: HttpDurableClientHandler;
  /** Default: the function name. */
  route?: string;
  /** Default: GET and POST (as Functions). */
  methods?: string[];
  authLevel?: "anonymous" | "function" | "admin";
  extraInputs?: unknown[];
  extraOutputs?: unknown[];
}

export interface CompiledRoute {
  name: string;
  methods: string[] | undefined;
  match(path: string): Record<string, string> | undefined;
}

export function compileRoute(
  name: string,
  route: string | undefined,
  methods: string[] | undefined,
): CompiledRoute {
  const template = (route ?? name).replace(/^\/+|\/+$/g, "");
  const names: string[] = [];
  const pattern = template
    .split("/")
    .map((seg) => {
      const m = /^\{(\*?)([A-Za-z0-9_]+)(?::[^}?]*)?(\?)?\}$/.exec(seg);
      if (!m) return `/${seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`;
      names.push(m[2]!);
      if (m[1]) return "(?:/(.*))?";
      return m[3] ? "(?:/([^/]+))?" : "/([^/]+)";
    })
    .join("");
  const re = new RegExp(`^/api${pattern}/?$`, "i");
  return {
    name,
    methods: methods?.map((m) => m.toUpperCase()),
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

export async function toResponse(out: HttpResponseInit | Response | undefined): Promise<Response> {
  if (out instanceof Response) return out;
  return new Response(...toResponseArgs(out ?? { status: 204 }));
}
