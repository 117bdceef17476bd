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

/** A setting or function the host does not run: named once at start (a warning), or refused with --strict. */
export interface AppNotice {
  /** Dotted log event name. */
  event: "app.settingIgnored" | "app.bindingNotHosted";
  file: string;
  message: string;
  function?: string;
  setting?: string;
}
