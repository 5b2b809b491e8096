// The page's calls to the dashboard: the cookie carries the token; actions add the CSRF token.
let csrfToken = '';

/** Fetch the CSRF token once, before any action. */
export async function startSession(): Promise<void> {
  const res = await fetch('/api/session');
  if (!res.ok) throw new Error(`the dashboard refused the session (${res.status}): open the URL the command printed`);
  csrfToken = ((await res.json()) as { csrfToken: string }).csrfToken;
}

/** The API path of a server. */
export function serverPath(key: string): string {
  const [deployer, uuid] = key.split('/');
  return `/api/servers/${encodeURIComponent(deployer)}/${encodeURIComponent(uuid)}`;
}

/** Run an action; resolves with its JSON, rejects with the error's message. */
export async function act(key: string, action: string, body: unknown = {}): Promise<unknown> {
  const res = await fetch(`${serverPath(key)}/${action}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(text || `${action} failed (${res.status})`);
  }
  const error = (json as { error?: { message: string; suggestion?: string } }).error;
  if (!res.ok || error) throw new Error(error ? `${error.message}${error.suggestion ? ` (${error.suggestion})` : ''}` : `${action} failed (${res.status})`);
  return json;
}

/** GET JSON. */
export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path);
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return (await res.json()) as T;
}
