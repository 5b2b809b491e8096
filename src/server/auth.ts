/**
 * Bearer-token checks for the prediction, metadata and admin endpoints.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ServerConfig } from './config.js';
import { RequestError } from './http-util.js';

// Hashing both sides first gives equal-length buffers, so the comparison time says nothing about the token.
const digest = (s: string) => createHash('sha256').update(s).digest();

/** Throws a 401 unless the request carries `Authorization: Bearer <one of tokens>`; undefined tokens means open. */
export function checkBearer(req: IncomingMessage, tokens: readonly string[] | undefined): void {
  checkAuthorization(req.headers.authorization, tokens);
}

/** The same check on an authorization value from anywhere (an HTTP header, gRPC metadata). */
export function checkAuthorization(value: string | undefined, tokens: readonly string[] | undefined): void {
  if (tokens === undefined) return;
  const header = value ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  const given = match ? digest(match[1]!) : undefined;
  if (given && tokens.some((t) => timingSafeEqual(given, digest(t)))) return;
  throw new RequestError(401, header ? 'invalid bearer token' : 'missing bearer token: send Authorization: Bearer <token>', {
    'WWW-Authenticate': 'Bearer realm="zenml-model-server"',
  });
}

/** Tokens the prediction and metadata endpoints accept: the authToken (when one is set) or the adminToken. */
export function userTokens(config: ServerConfig): string[] | undefined {
  return config.authToken === undefined ? undefined : [config.authToken, config.adminToken];
}
