// Every fenced shell block of README.md and docs/*.md, run through the built `zenml` (on PATH, as a user has it)
// in a temp project that has the repository's examples/ (a clone's layout), one project per page: a page's
// blocks build on each other (`UUID=$(zenml … -q)` in one block, `"$UUID"` in the next). A script block must exit
// 0 (`set -e`); a transcript (`$ command` + the output shown) must print what the page shows (`…` is any text)
// and exit as shown (`# exit N`). Only a block marked `<!-- not run: <reason> -->` is skipped, and only for the
// reasons below; the summary test lists how many ran and were skipped by reason.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, ZENML_BIN, assertCliBuilt, isolatedEnv } from '../helpers/cli.js';
import { lineMatches, shellBlocks, transcriptExpected, transcriptScript, type DocBlock } from '../helpers/doc-blocks.js';
import { killServers } from '../helpers/local-servers.js';
import { TempDirs } from '../helpers/temp.js';

/** Why a block may be left out: what a test on this machine cannot do. */
const REASONS = [
  'needs a Kubernetes cluster',
  'needs Python and mlflow',
  'installs from the npm registry (network)',
  'long-running',
  'interactive',
  'needs files of your own',
  'needs a running model server',
];

const PAGES = ['README.md', ...readdirSync(path.join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const ALL = PAGES.flatMap((page) => shellBlocks(path.join(REPO_ROOT, page)).map((b) => ({ ...b, file: page })));
/** The shell blocks (file blocks are written before the shell blocks after them run). */
const BLOCKS = ALL.filter((b) => !b.writeTo);
const BLOCK_TIMEOUT_MS = 90_000;

const temps = new TempDirs();
afterAll(() => {
  for (const dir of temps.list()) killServers(dir);
  temps.cleanup();
});

/** A page's sandbox: HOME, a project with examples/, `zenml` on PATH, and the shell state carried between its blocks. */
interface Sandbox {
  project: string;
  env: NodeJS.ProcessEnv;
  state: string;
}

function sandbox(): Sandbox {
  const root = temps.dir('zenml-doc-');
  const home = path.join(root, 'home');
  const project = path.join(root, 'project');
  const bin = path.join(root, 'bin');
  for (const dir of [home, project, bin]) mkdirSync(dir);
  symlinkSync(path.join(REPO_ROOT, 'examples'), path.join(project, 'examples'));
  // ZENML_DOC_BIN runs the pages against another install (e.g. the packed tarball installed globally) for an audit.
  const target = process.env.ZENML_DOC_BIN ? `'${process.env.ZENML_DOC_BIN}'` : `'${process.execPath}' '${ZENML_BIN}'`;
  writeFileSync(path.join(bin, 'zenml'), `#!/bin/sh\nexec ${target} "$@"\n`, { mode: 0o755 });
  const env: NodeJS.ProcessEnv = { ...isolatedEnv(home), PATH: `${bin}:${process.env.PATH}` };
  delete env.COLUMNS;
  return { project, env, state: path.join(root, 'state.sh') };
}

/** Run a script in bash in the sandbox (variables carried over from earlier blocks); exit code and both streams. */
function runBash(box: Sandbox, script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const wrapped = `set -a\n[ -f '${box.state}' ] && . '${box.state}'\ntrap "export -p > '${box.state}'" EXIT\n${script}\n`;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', wrapped], { cwd: box.project, env: box.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
      reject(new Error(`the block did not finish within ${BLOCK_TIMEOUT_MS} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, BLOCK_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function runBlock(box: Sandbox, block: DocBlock): Promise<void> {
  if (block.writeTo) {
    mkdirSync(path.dirname(path.join(box.project, block.writeTo)), { recursive: true });
    writeFileSync(path.join(box.project, block.writeTo), `${block.body}\n`);
    return;
  }
  if (!block.steps) {
    const r = await runBash(box, `set -e -o pipefail\n${block.body}`);
    if (r.code !== 0) throw new Error(`${block.file}:${block.line} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return;
  }
  const r = await runBash(box, transcriptScript(block.steps));
  const actual = r.stdout.replace(/\n$/, '').split('\n');
  const expected = transcriptExpected(block.steps);
  const same = actual.length === expected.length && expected.every((line, i) => lineMatches(line, actual[i]!));
  if (!same) {
    throw new Error(`${block.file}:${block.line}: the output differs from the page\n--- shown\n${expected.join('\n')}\n--- printed\n${actual.join('\n')}\n--- stderr\n${r.stderr}`);
  }
}

test('every shell block runs or is marked not run for a known reason; the count is listed', () => {
  const skipped = BLOCKS.filter((b) => b.notRun !== undefined);
  const unknown = skipped.filter((b) => !REASONS.some((r) => b.notRun!.startsWith(r))).map((b) => `${b.file}:${b.line}: ${b.notRun}`);
  expect(unknown).toEqual([]);
  const byReason = new Map<string, number>();
  for (const b of skipped) {
    const reason = REASONS.find((r) => b.notRun!.startsWith(r))!;
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
  }
  const ran = BLOCKS.length - skipped.length;
  console.log(
    `doc blocks: ${BLOCKS.length} in ${PAGES.length} pages; ran ${ran}, skipped ${skipped.length}` +
      [...byReason].map(([reason, n]) => `\n  ${n} × ${reason}`).join(''),
  );
  expect(ran).toBeGreaterThanOrEqual(8);
});

for (const page of PAGES) {
  const blocks = ALL.filter((b) => b.file === page && b.notRun === undefined);
  if (!blocks.some((b) => !b.writeTo)) continue;
  describe(page, () => {
    let box: Sandbox;
    beforeAll(() => {
      assertCliBuilt();
      box = sandbox();
    });
    afterAll(() => killServers(path.dirname(box.project)));
    for (const block of blocks) {
      test(`${page}:${block.line}${block.writeTo ? ` (writes ${block.writeTo})` : ''}`, () => runBlock(box, block), BLOCK_TIMEOUT_MS + 10_000);
    }
  });
}
