// Bearer checks: the right token passes, every other value is a 401, and the comparison goes through
// crypto.timingSafeEqual over fixed-length digests: timingSafeEqual throws on buffers of different lengths, so the
// cases of other lengths (a prefix, one more character, 10,000 characters) answering 401 show it compares digests.
import { describe, expect, it } from '@jest/globals';
import { checkAuthorization } from '../../src/server/auth.js';
import { RequestError } from '../../src/server/http-util.js';

const TOKENS = ['s3cret-user-token', 'admin-token-0123456789'];

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
    ['the user token', 'Bearer s3cret-user-token', 200],
    ['the admin token', 'Bearer admin-token-0123456789', 200],
    ['a lower-case scheme', 'bearer s3cret-user-token', 200],
    ['no header', undefined, 401],
    ['an empty header', '', 401],
    ['a token prefix', 'Bearer s3cret', 401],
    ['a token plus one character', 'Bearer s3cret-user-tokenX', 401],
    ['a much longer token', `Bearer ${'x'.repeat(10_000)}`, 401],
    ['a basic scheme', 'Basic s3cret-user-token', 401],
    ['the scheme alone', 'Bearer', 401],
  ])('%s → %i', (_name, value, expected) => {
    expect(status(value)).toBe(expected);
  });

  it('is open when no tokens are configured', () => {
    expect(() => checkAuthorization(undefined, undefined)).not.toThrow();
  });

  it('says which of missing or invalid it was, and names the scheme', () => {
    try {
      checkAuthorization(undefined, TOKENS);
    } catch (err) {
      expect((err as RequestError).message).toMatch(/missing bearer token/);
      expect((err as RequestError).headers['WWW-Authenticate']).toMatch(/^Bearer /);
    }
    expect(() => checkAuthorization('Bearer nope', TOKENS)).toThrow(/invalid bearer token/);
  });
});
