// Bearer checks: the right token passes, every other value is a 401 that says whether the token was missing or wrong.
// That the comparison is timing-safe (SHA-256 digests compared with crypto.timingSafeEqual) is a property of the code
// in src/server/auth.ts, not something these answers show: a plain `===` gives the same 401s, and the suite makes no
// timing assertions.
import { describe, expect, it } from '@jest/globals';
import { checkAuthorization } from '../../src/server/auth.js';
import { RequestError } from '../../src/server/http-util.js';

const TOKENS = ['s3cret-user-token', 'admin-token-0123456789'];

/** The error `fn` throws; fails the test when it returns instead. */
function thrown(fn: () => void): RequestError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RequestError);
    return err as RequestError;
  }
  throw new Error('expected a RequestError, but nothing was thrown');
}

/** 200 when the value passes, else the status of the RequestError it throws. */
function status(value: string | undefined): number {
  try {
    checkAuthorization(value, TOKENS);
    return 200;
  } catch (err) {
    expect(err).toBeInstanceOf(RequestError);
    return (err as RequestError).status;
  }
}

describe('checkAuthorization', () => {
  it.each([
    ['the user token', 200, 'Bearer s3cret-user-token'],
    ['the admin token', 200, 'Bearer admin-token-0123456789'],
    ['a lower-case scheme', 200, 'bearer s3cret-user-token'],
    ['no header', 401, undefined],
    ['an empty header', 401, ''],
    ['a token prefix', 401, 'Bearer s3cret'],
    ['a token plus one character', 401, 'Bearer s3cret-user-tokenX'],
    ['a much longer token', 401, `Bearer ${'x'.repeat(10_000)}`],
    ['a basic scheme', 401, 'Basic s3cret-user-token'],
    ['the scheme alone', 401, 'Bearer'],
  ])('%s → %i', (_name, expected, value) => {
    expect(status(value)).toBe(expected);
  });

  it('is open when no tokens are configured', () => {
    expect(() => checkAuthorization(undefined, undefined)).not.toThrow();
  });

  it('says which of missing or invalid it was, and names the scheme', () => {
    const missing = thrown(() => checkAuthorization(undefined, TOKENS));
    expect(missing.status).toBe(401);
    expect(missing.message).toMatch(/^missing bearer token/);
    expect(missing.headers['WWW-Authenticate']).toMatch(/^Bearer realm=/);
    const wrong = thrown(() => checkAuthorization('Bearer nope', TOKENS));
    expect(wrong.status).toBe(401);
    expect(wrong.message).toBe('invalid bearer token');
    expect(wrong.headers['WWW-Authenticate']).toMatch(/^Bearer realm=/);
  });
});
