/**
 * The dashboard's request checks (pure): the token (in the URL once, then a cookie), the Host header
 * against DNS rebinding, and the CSRF token of actions. Modelled on Jupyter's server.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** A fresh random secret (URL-safe). */
export function newSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** Constant-time comparison of a secret with what a request carried. */
export function sameSecret(expected: string, given: string | undefined | null): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The value of cookie `name` in a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Cookies are not scoped by port: each dashboard names its own. */
export function cookieName(port: number): string {
  return `zenml-dashboard-${port}`;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** Whether a host to bind is loopback (no `--allow-remote` needed). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Whether a host to bind is a wildcard (every interface): any Host name may then reach it. */
export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

/**
 * The Host header check: loopback names at our port, and the bound host itself. A page on another site whose
 * name was rebound to 127.0.0.1 sends its own name and is refused. Bound to a wildcard with --allow-remote,
 * every name passes (as Jupyter with allow_remote_access): the token is then the only guard.
 */
export function hostChecker(bindHost: string, port: number): (host: string | undefined) => boolean {
  if (isWildcard(bindHost)) return (host) => Boolean(host);
  const bound = isIP(bindHost) === 6 ? `[${bindHost}]` : bindHost.toLowerCase();
  const allowed = new Set([...LOOPBACK_NAMES, bound].map((name) => `${name}:${port}`));
  return (host) => host !== undefined && allowed.has(host.toLowerCase());
}

/** An Origin header, when a browser sent one, must be our own (a second guard for actions besides the CSRF token). */
export function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
