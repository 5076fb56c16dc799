// API errors as people read them: RFC 9457 problem details turned into words.

export interface FieldError {
  loc?: (string | number)[];
  msg?: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: FieldError[];
  // Set on a conflict with a newer version of the same object (a stale edit).
  current_version?: number;
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(status: number, problem: Problem) {
    super(problem.detail ?? problem.title ?? `Request failed (${status})`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
  }
}

function asProblem(body: unknown): Problem {
  return typeof body === "object" && body !== null ? (body as Problem) : {};
}

function fieldName(error: FieldError): string {
  const last = [...(error.loc ?? [])].reverse().find((part) => typeof part === "string");
  return typeof last === "string" && last !== "body" ? last.replaceAll("_", " ") : "";
}

/** The server's words as a sentence: a capital letter first, a full stop last. */
export function sentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?…]$/.test(capital) ? capital : `${capital}.`;
}

/** One sentence for any error: what went wrong, and what to do when there is something to do. */
export function describeError(error: unknown): string {
  const text = describe(error);
  return sentence(text);
}

function describe(error: unknown): string {
  if (error instanceof ApiError) {
    const { status, problem } = error;
    if (status === 422 && problem.errors?.length) {
      return problem.errors.map((item) => [fieldName(item), item.msg].filter(Boolean).join(": ")).join("; ");
    }
    // A stale edit, as opposed to a 409 that states a rule (the last owner, an existing member).
    if (status === 412 || (status === 409 && problem.current_version !== undefined)) {
      return "Someone else changed this in the meantime. The latest version is shown; make your change again.";
    }
    if (status === 429) return problem.detail ?? "Too many attempts. Wait a moment and try again.";
    if (status === 401) return problem.detail ?? "Your session has ended. Sign in again.";
    if (status === 403) return problem.detail ?? "You are not allowed to do that.";
    if (status === 404) return problem.detail ?? "It no longer exists, or you no longer have access to it.";
    if (status >= 500) return "TaskFlow could not complete that just now. Try again in a moment.";
    return problem.detail ?? problem.title ?? `The request failed (${status}).`;
  }
  if (error instanceof TypeError) return "Cannot reach TaskFlow. Check your connection and try again.";
  return error instanceof Error ? error.message : "Something went wrong.";
}

/** The data of an openapi-fetch result, or an ApiError built from its problem body. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    throw new ApiError(result.response.status, asProblem(result.error));
  }
  return result.data as T;
}
