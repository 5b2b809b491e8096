// Layer 3: `zenml -V` prints the package's version: package.json's, never the 0.0.0 fallback
// src/cli/version.ts answers when it cannot find package.json.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { killRunningZenml, REPO_ROOT, runZenml } from '../helpers/cli.js';
import { TempDirs } from '../helpers/temp.js';

const temp = new TempDirs();
afterEach(() => {
  killRunningZenml();
  temp.cleanup();
});

const PACKAGE_VERSION: string = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version;

it.each([['-V'], ['--version']])('zenml %s prints package.json\'s version', async (flag) => {
  expect(PACKAGE_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  expect(PACKAGE_VERSION).not.toBe('0.0.0');
  const r = await runZenml([flag], { cwd: temp.dir('zenml-version-') });
  expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: `${PACKAGE_VERSION}\n`, stderr: '' });
});
