// How a test file that needs the Kubernetes API server declares it: with the binaries it runs; without them a
// developer's run skips it and says why in the test title; under CI (test/helpers/ci.ts) a missing API server is a failure, so CI
// can never pass by skipping the Kubernetes tests.
import { isCi } from '../helpers/ci.js';
import { kubeBinaries, kubeBinariesMissingReason } from './kube-binaries.js';

/** Whether this run is CI (test/helpers/ci.ts: CI set to anything but empty, `false` or `0`). */
export { isCi };

/** `describe` for tests that start a Kubernetes API server (see the file comment). */
export function describeKube(name: string, fn: () => void): void {
  if (kubeBinaries()) {
    describe(name, fn);
    return;
  }
  const reason = kubeBinariesMissingReason();
  if (isCi()) {
    describe(name, () => {
      test('has a Kubernetes API server to test against', () => {
        throw new Error(`CI=${process.env.CI}, and the Kubernetes tests cannot run: ${reason}`);
      });
    });
    return;
  }
  // A wholly skipped file shows only in the counts: say why on stderr too, where a developer sees it.
  process.stderr.write(`\nSKIPPED (no Kubernetes API server): ${name}: ${reason}\n`);
  describe.skip(`${name} [skipped: ${reason}]`, fn);
}
