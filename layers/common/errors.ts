/**
 * Base of every error the project raises on purpose. `what` says what failed, `why` the cause;
 * the CLI prints them as one line: `xclip: <what> (<why>)`.
 */
export class XclipError extends Error {
  /** Stable machine-readable code, e.g. `INVALID_SAFETENSORS`. */
  readonly code: string;
  readonly what: string;
  readonly why: string;

  constructor(code: string, what: string, why: string, options?: { cause?: unknown }) {
    super(`${what} (${why})`, options);
    this.name = new.target.name;
    this.code = code;
    this.what = what;
    this.why = why;
  }
}

/** A user-supplied argument or option is invalid. */
export class UsageError extends XclipError {
  constructor(what: string, why: string) {
    super('USAGE', what, why);
  }
}

/** One line for a person: our own errors as they are, anything else with its message. */
export function describeError(error: unknown): string {
  if (error instanceof XclipError) return error.message;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** An error as it crosses a process or thread boundary (structured clone keeps neither its class nor its fields). */
export interface SentError {
  name: string;
  message: string;
  xclip?: { code: string; what: string; why: string };
}

export function sentError(error: unknown): SentError {
  if (error instanceof XclipError)
    return { name: error.name, message: error.message, xclip: { code: error.code, what: error.what, why: error.why } };
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: 'Error', message: String(error) };
}
