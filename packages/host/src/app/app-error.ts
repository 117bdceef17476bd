/** A bad app folder or app module, found at start: one line naming the file, exit code 2. */
export class AppError extends Error {
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
    this.name = "AppError";
  }
}

/**
 * The first line of a load failure's message (Node adds a require stack on further lines), with the line of the
 * file a syntax error is at when Node gives it (its stack then starts with `file:line`).
 */
export function loadFailure(err: unknown): string {
  const e = err as { message?: unknown; stack?: unknown };
  const first = String(e?.message ?? err).split("\n")[0]!;
  const at = err instanceof SyntaxError ? /^(?:file:\/\/)?[^\n]*?:(\d+)\n/.exec(String(e.stack ?? "")) : null;
  return at ? `${first} (line ${at[1]})` : first;
}

/** A setting or function the host does not run: named once at start (a warning), or refused with --strict. */
export interface AppNotice {
  /** Dotted log event name. */
  event: "app.settingIgnored" | "app.bindingNotHosted";
  file: string;
  message: string;
  function?: string;
  setting?: string;
}
