// Layer 1 (real files): the guard that stops suites from testing stale built code (test/helpers/build-guard.ts).
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { assertFresh, staleSources } from './helpers/build-guard.js';
import { assertCliBuilt, ZENML_BUNDLE } from './helpers/cli.js';
import { TempDirs } from './helpers/temp.js';

const temp = new TempDirs();
afterEach(() => temp.cleanup());

function project(): { built: string; src: string } {
  const dir = temp.dir('zenml-guard-');
  const src = path.join(dir, 'src');
  mkdirSync(path.join(src, 'deep'), { recursive: true });
  writeFileSync(path.join(src, 'a.ts'), '');
  writeFileSync(path.join(src, 'deep', 'b.ts'), '');
  const built = path.join(dir, 'main.js');
  writeFileSync(built, '');
  const past = new Date(Date.now() - 60_000);
  for (const f of [path.join(src, 'a.ts'), path.join(src, 'deep', 'b.ts')]) utimesSync(f, past, past);
  return { built, src };
}

describe('the build guard', () => {
  it('accepts a build newer than every source', () => {
    const { built, src } = project();
    expect(() => assertFresh(built, src)).not.toThrow();
  });

  it('names a source changed after the build, in a nested folder too', () => {
    const { built, src } = project();
    const future = new Date(Date.now() + 60_000);
    utimesSync(path.join(src, 'deep', 'b.ts'), future, future);
    expect(staleSources(src, Date.now())).toEqual([path.join('deep', 'b.ts')]);
    expect(() => assertFresh(built, src)).toThrow(/older than 1 file\(s\) .*deep\/b\.ts.*npm run build/);
  });

  it('fails on a missing build', () => {
    const { src } = project();
    expect(() => assertFresh(path.join(src, 'nope.js'), src)).toThrow(/nope\.js is missing: run `npm run build` first/);
  });

  it('the CLI guard checks the bundle bin/zenml.js runs, and passes on this build', () => {
    expect(ZENML_BUNDLE.endsWith(path.join('dist', 'bundle', 'main.js'))).toBe(true);
    expect(() => assertCliBuilt()).not.toThrow();
  });
});
