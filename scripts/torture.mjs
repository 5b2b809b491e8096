// `npm run torture [-- --short] [jest args…]`: the suite that tries to break the tool (test/torture),
// at full size unless --short. `npm test` runs the short form with every other suite.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const args = process.argv.slice(2);
const short = args.includes('--short');
const jestArgs = args.filter((arg) => arg !== '--short');
// jest's "exports" hides bin/jest.js from resolve(); its package.json is exported, and the bin sits beside it.
const jest = join(dirname(createRequire(import.meta.url).resolve('jest/package.json')), 'bin/jest.js');
const env = { ...process.env, ZENML_TORTURE: short ? 'short' : 'full' };
const result = spawnSync(
  process.execPath,
  ['--experimental-vm-modules', '--no-warnings', jest, '--runInBand', 'test/torture', ...jestArgs],
  { stdio: 'inherit', env },
);
process.exit(result.status ?? 1);
