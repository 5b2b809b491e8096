// npm inside the repository: no warning on every command (an .npmrc key npm does not know), and
// onnxruntime-node's install script (it downloads CUDA files from outside the npm registry) denied
// by package.json#allowScripts for a plain `npm ci`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/cli.js';
import { npmEnv, packedTarball, runOk } from '../helpers/packed-package.js';
import { TempDirs } from '../helpers/temp.js';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

it('an npm command in the repository prints no warning', async () => {
  const env = npmEnv(temp.dir('zenml-npm-home-'));
  delete env.ONNXRUNTIME_NODE_INSTALL;
  const r = await runOk('npm', ['pkg', 'get', 'name'], { cwd: REPO_ROOT, env, timeoutMs: 60_000 });
  expect(r.stdout.trim()).toBe('"zenml-model-deployer"');
  expect(r.stderr).not.toMatch(/npm warn/i);
});

it('package.json denies onnxruntime-node’s install script (npm ci needs no environment variable)', () => {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
  expect(pkg.allowScripts?.['onnxruntime-node']).toBe(false);
});

it('the packed package has no install-time script of its own (npm 11 would list a `prepare` among the scripts to allow)', async () => {
  const tarball = await packedTarball();
  const r = await runOk('tar', ['-xzOf', tarball, 'package/package.json'], { cwd: temp.dir('zenml-npm-pack-'), env: process.env, timeoutMs: 30_000 });
  const scripts = (JSON.parse(r.stdout) as { scripts?: Record<string, string> }).scripts ?? {};
  expect(Object.keys(scripts).filter((name) => ['preinstall', 'install', 'postinstall', 'prepare'].includes(name))).toEqual([]);
  // npm pack and npm publish still build first.
  expect(scripts.prepack).toBe('npm run build');
});
