/** An error the management API answers with its status and `{"Message": ...}`: the caller's mistake, or a refusal. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
