// How the stand-ins read a failed @kubernetes/client-node call: its HTTP status, and the API server's message rather
// than the client's wrapper text. One place, so the stand-ins and their shared work queue classify errors alike.

/** The HTTP status of a failed API call (the client's ApiException `code`), or undefined for any other error. */
export function statusCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The API server's message from the error's JSON body, else the body as text, else the error's own message. */
export function describeError(error: unknown): string {
  const body = (error as { body?: unknown })?.body;
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      return body;
    }
  }
  return error instanceof Error ? error.message : String(error);
}
