// The one rule for "this run is CI": a missing prerequisite fails a test under CI and skips it (saying why) elsewhere.
// .ci/run exports CI=true; other CI systems set CI=1, CI=yes or CI=<their name>. Any non-empty value counts except
// `false` and `0` (any case), which people set to say "not CI".

/** Whether this run is CI: `CI` is set to anything but empty, `false` or `0`. */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.CI ?? '').trim().toLowerCase();
  return value !== '' && value !== 'false' && value !== '0';
}
