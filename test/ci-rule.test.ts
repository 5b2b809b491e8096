// The one CI rule (test/helpers/ci.ts) that decides whether a missing prerequisite fails or skips a test.
import { describe, expect, it } from '@jest/globals';
import { isCi } from './helpers/ci.js';

describe('isCi', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['  ', false],
    ['false', false],
    ['FALSE', false],
    ['0', false],
    ['true', true],
    ['1', true],
    ['yes', true],
    ['github-actions', true],
  ])('CI=%p → %p', (value, expected) => {
    expect(isCi(value === undefined ? {} : { CI: value })).toBe(expected);
  });
});
