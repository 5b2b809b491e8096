// `zenml model-deployer dashboard` through the built binary, in a real browser (Debian's chromium via puppeteer-core):
// the token and Host checks, every server of a project with a local and an mlflow deployer, live changes made from
// the CLI (deploy, load, a log line, a server killed from outside), try-it, stop by keyboard only, delete with its
// confirmation, no console errors, axe-core's check. Kubernetes rows: seldon on the test cluster in
// test/e2e/dashboard-cluster.test.ts; the row mapping of both in test/dashboard/dashboard-units.test.ts.
// ZENML_UPDATE_SCREENSHOTS=1 writes the page's screenshots into docs/images/ (else into the sandbox).
import { jest } from '@jest/globals';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { launchBrowser, watchedPage, type TestBrowser } from '../helpers/browser.js';
import { assertFresh } from '../helpers/build-guard.js';
import { REPO_ROOT, ZENML_BIN, assertCliBuilt, isolatedEnv, killRunningZenml, parseJson, runZenml, writeDotfile } from '../helpers/cli.js';
import { CliSandbox } from '../helpers/mlflow-cli.js';
import { findMlflowTestEnv, makeModels } from '../helpers/mlflow-env.js';
import { IRIS_V1, IRIS_V2 } from '../helpers/local-servers.js';

jest.setTimeout(240_000);

// Code passed to page.evaluate runs in the browser; the test program has no DOM types (tsconfig: lib ES2023).
declare const document: any;
declare const window: any;
declare const location: any;
type HTMLElement = any;
type HTMLTextAreaElement = any;

const sandbox = new CliSandbox();
const IRIS_ROW = [5.1, 3.5, 1.4, 0.2]; // setosa: label 0
// mlflow rows when the test venv exists (always under CI: findMlflowTestEnv throws without it there).
const WITH_MLFLOW = process.env.CI === 'true' || hasMlflowEnv();
const SCREENSHOTS = process.env.ZENML_UPDATE_SCREENSHOTS === '1' ? path.join(REPO_ROOT, 'docs/images') : path.join(sandbox.dir, 'screenshots');

let dashboard: ChildProcessWithoutNullStreams;
let dashboardStderr = '';
let url: string; // as printed, with the token
let origin: string;
let testBrowser: TestBrowser;
let page: Page;
const consoleProblems: string[] = [];
let v1: any; // iris on the local deployer, replaced in place by v2 later
let mlflowOnnx: any;
let second: any; // deployed while the page is open

function hasMlflowEnv(): boolean {
  try {
    findMlflowTestEnv();
    return true;
  } catch {
    return false;
  }
}

const zenml = (args: string[]) => runZenml(['--config', sandbox.configPath, ...args], { cwd: sandbox.dir, timeoutMs: 180_000 });

async function deploy(...args: string[]): Promise<any> {
  const result = await zenml(['model-deployer', 'deploy', '--json', ...args]);
  if (result.code !== 0) throw new Error(`deploy ${args.join(' ')} exited ${result.code}\n${result.stderr}`);
  return parseJson(result);
}

/** GET/POST with a raw Host header (fetch would not let a test set it). */
function rawRequest(pathname: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const port = Number(new URL(origin).port);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: pathname, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The cells of a row, by column class. */
async function rowCell(key: string, column: string): Promise<string> {
  return page.$eval(`tr[data-key="${key}"] .col-${column}`, (el) => el.textContent ?? '');
}

/** Wait until the row of `key` shows `state`. */
function waitForState(key: string, state: string, timeout = 20_000) {
  return page.waitForSelector(`tr[data-key="${key}"][data-state="${state}"]`, { timeout });
}

/** Press Tab until the focused element matches `selector`; returns what was focused on the way. */
async function tabTo(selector: string, limit = 80): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const { describe, matches } = await page.evaluate((sel) => {
      const el = document.activeElement as HTMLElement | null;
      const text = (el?.textContent ?? '').trim().slice(0, 30);
      return { describe: `${el?.tagName.toLowerCase()}${el?.id ? `#${el.id}` : ''}:${text}`, matches: Boolean(el?.matches(sel)) };
    }, selector);
    seen.push(describe);
    if (matches) return seen;
  }
  throw new Error(`Tab never reached ${selector}; focused: ${seen.join(' → ')}`);
}

async function axeSerious(): Promise<unknown[]> {
  // Evaluated over the DevTools protocol: the page's CSP (script-src 'self') does not apply.
  await page.evaluate(readFileSync(path.join(REPO_ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8'));
  const result = await page.evaluate(async () => (window as any).axe.run(document, { resultTypes: ['violations'] }));
  return (result.violations as any[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n: any) => n.target) }));
}

beforeAll(async () => {
  assertCliBuilt();
  // The page is built from web/dashboard/ (scripts/bundle-dashboard.mjs): test the current one.
  assertFresh(path.join(REPO_ROOT, 'dist/dashboard-web/app.js'), path.join(REPO_ROOT, 'web/dashboard'));
  const deployers: Record<string, unknown> = { local: { flavor: 'local' } };
  let onnxModel = '';
  if (WITH_MLFLOW) {
    const env = findMlflowTestEnv();
    await mkdir(path.join(sandbox.dir, 'models'));
    await makeModels(env, path.join(sandbox.dir, 'models'));
    deployers.ml = { flavor: 'mlflow', settings: { pythonEnv: env.venv } };
    onnxModel = path.join(sandbox.dir, 'models/onnx-v1');
  }
  writeDotfile(sandbox.dir, { version: 1, modelDeployers: deployers, stacks: { default: { modelDeployer: 'local' } }, activeStack: 'default' });
  v1 = await deploy('--model-uri', IRIS_V1, '--model-name', 'iris', '--model-version', '1');
  if (onnxModel) mlflowOnnx = await deploy('--deployer', 'ml', '--model-uri', onnxModel, '--model-name', 'iris-onnx');

  dashboard = spawn(process.execPath, [ZENML_BIN, '--config', sandbox.configPath, 'model-deployer', 'dashboard', '-q', '--no-open', '--port', '0'], {
    cwd: sandbox.dir,
    env: isolatedEnv(sandbox.dir),
  });
  dashboard.stderr.setEncoding('utf8').on('data', (c: string) => (dashboardStderr += c));
  const stdout = await new Promise<string>((resolve, reject) => {
    let text = '';
    dashboard.stdout.setEncoding('utf8').on('data', (c: string) => {
      text += c;
      if (text.includes('\n')) resolve(text);
    });
    dashboard.on('exit', (code) => reject(new Error(`the dashboard exited ${code} before printing its URL\n${dashboardStderr}`)));
  });
  // -q: the URL and nothing else.
  expect(stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}\n$/);
  url = stdout.trim();
  origin = new URL(url).origin;

  testBrowser = await launchBrowser();
  page = await watchedPage(testBrowser, consoleProblems);
  await mkdir(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await testBrowser?.close();
  if (dashboard && dashboard.exitCode === null) dashboard.kill('SIGKILL');
  killRunningZenml();
  await sandbox.cleanup();
});

describe('zenml model-deployer dashboard', () => {
  it('refuses a request without the token, with a wrong token, a wrong Host, or an action without the CSRF token; sends no CORS headers', async () => {
    const port = new URL(origin).port;
    const token = new URL(url).searchParams.get('token')!;
    const good = { Host: `127.0.0.1:${port}` };
    expect((await rawRequest('/', good)).status).toBe(401);
    expect((await rawRequest('/api/events', good)).status).toBe(401);
    expect((await rawRequest('/?token=wrong', good)).status).toBe(401);
    // DNS rebinding: a page at evil.example.com resolving to 127.0.0.1 sends its own name.
    expect((await rawRequest(`/?token=${token}`, { Host: `evil.example.com:${port}` })).status).toBe(403);
    const entry = await rawRequest(`/?token=${token}`, { ...good, Origin: 'http://evil.example.com' });
    expect(entry.status).toBe(303);
    const cookie = String((entry.headers['set-cookie'] as string[])[0]).split(';')[0];
    expect(entry.headers['set-cookie']).toEqual([expect.stringMatching(/HttpOnly; SameSite=Strict/)]);
    const page200 = await rawRequest('/', { ...good, Cookie: cookie, Origin: 'http://evil.example.com' });
    expect(page200.status).toBe(200);
    expect(Object.keys(page200.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    // Nothing beyond the page and its API.
    expect((await rawRequest('/package.json', { ...good, Cookie: cookie })).status).toBe(404);
    expect((await rawRequest('/../../package.json', { ...good, Cookie: cookie })).status).toBe(404);
    const stop = `/api/servers/local/${v1.uuid}/stop`;
    const json = { ...good, Cookie: cookie, 'Content-Type': 'application/json' };
    expect((await rawRequest(stop, json, 'POST', '{}')).status).toBe(403);
    expect((await rawRequest(stop, { ...json, 'X-CSRF-Token': 'wrong' }, 'POST', '{}')).status).toBe(403);
    const { csrfToken } = JSON.parse((await rawRequest('/api/session', { ...good, Cookie: cookie })).body);
    // The right CSRF token from another origin is refused too.
    expect((await rawRequest(stop, { ...json, 'X-CSRF-Token': csrfToken, Origin: 'http://evil.example.com' }, 'POST', '{}')).status).toBe(403);
    // The server still runs.
    const find = parseJson(await zenml(['model-deployer', 'find', '--json']));
    expect(find.map((s: any) => [s.uuid, s.state])).toEqual([[v1.uuid, 'active']]);
    // In the browser: without the token the page is refused.
    // (In a page of its own: its console's 401s are the point, the dashboard's page must log none.)
    const other = await testBrowser.browser.newPage();
    const refused = await other.goto(`${origin}/`);
    expect(refused?.status()).toBe(401);
    expect(await other.evaluate(() => document.body.textContent)).toMatch(/no token/);
    await other.close();
  });

  it('shows every server of every deployer: the local one and, with the mlflow venv, an ONNX model on mlflow, with their metrics', async () => {
    await page.goto(url);
    expect(page.url()).toBe(`${origin}/`); // the token left the address bar for a cookie
    await waitForState(`local/${v1.uuid}`, 'active');
    expect(await rowCell(`local/${v1.uuid}`, 'model')).toBe('iris v1');
    expect(await rowCell(`local/${v1.uuid}`, 'flavor')).toBe('local');
    expect(await rowCell(`local/${v1.uuid}`, 'url')).toBe(v1.predictionUrl);
    // Rates need two /metrics readings.
    await page.waitForFunction((key) => document.querySelector(`tr[data-key="${key}"] .col-rps`)?.textContent === '0.0', {}, `local/${v1.uuid}`);
    if (WITH_MLFLOW) {
      const key = `ml/${mlflowOnnx.uuid}`;
      await waitForState(key, 'active');
      expect(await rowCell(key, 'flavor')).toBe('mlflow');
      expect(await rowCell(key, 'model')).toBe('iris-onnx');
      await page.waitForFunction((k) => document.querySelector(`tr[data-key="${k}"] .col-rps`)?.textContent === '0.0', {}, key);
    }
  });

  it('a deploy from the CLI appears without a reload', async () => {
    await page.evaluate(() => ((window as any).__notReloaded = true));
    second = await deploy('--model-uri', IRIS_V1, '--model-name', 'iris-b');
    await waitForState(`local/${second.uuid}`, 'active');
    expect(await page.evaluate(() => (window as any).__notReloaded)).toBe(true);
  });

  it('load on a server moves its requests/s and its chart', async () => {
    const key = `local/${v1.uuid}`;
    let loading = true;
    const load = (async () => {
      while (loading) {
        const res = await fetch(v1.predictionUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: [IRIS_ROW] }) });
        await res.arrayBuffer();
      }
    })();
    try {
      await page.waitForFunction((k) => Number(document.querySelector(`tr[data-key="${k}"] .col-rps`)?.textContent) > 1, { timeout: 20_000 }, key);
      expect(Number(await rowCell(key, 'p50'))).toBeGreaterThan(0);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-list.png') });
      await page.click(`tr[data-key="${key}"] .col-model a`);
      await page.waitForSelector('#server-view:not([hidden])');
      await page.waitForFunction(() => Number((document.getElementById('chart-rps') as HTMLElement).dataset.max) > 1, { timeout: 20_000 });
      await page.waitForFunction(() => Number((document.getElementById('chart-latency') as HTMLElement).dataset.max) > 0);
    } finally {
      loading = false;
      await load;
    }
  });

  it("a new line in the server's log appears in the tail (a deploy --replace swapping in v2)", async () => {
    await page.waitForFunction(() => document.getElementById('logs')!.textContent!.includes('listening on'), { timeout: 20_000 });
    const replaced = await deploy('--replace', '--model-uri', IRIS_V2, '--model-name', 'iris', '--model-version', '2');
    expect(replaced.uuid).toBe(v1.uuid);
    await page.waitForFunction(() => /swapped model iris .*-> ?2/.test(document.getElementById('logs')!.textContent!), { timeout: 20_000 });
    await page.waitForFunction(() => document.getElementById('server-title')!.textContent!.startsWith('iris v2'), { timeout: 20_000 });
  });

  it("the try-it form answers with the model's label, through predict's code", async () => {
    await page.$eval('#try-body', (el) => ((el as HTMLTextAreaElement).value = ''));
    await page.type('#try-body', JSON.stringify({ instances: [IRIS_ROW] }));
    await page.click('#try-form button[type="submit"]');
    await page.waitForFunction(() => document.getElementById('try-answer')!.textContent!.includes('label'), { timeout: 30_000 });
    const answer = JSON.parse(await page.$eval('#try-answer', (el) => el.textContent ?? ''));
    expect(answer.predictions.label).toEqual([0]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-server.png'), fullPage: true });
  });

  it('a server killed from outside turns to error, with the reason', async () => {
    await page.goto(`${origin}/#/`);
    const key = `local/${second.uuid}`;
    await waitForState(key, 'active');
    process.kill(Number(second.info.DAEMON_PID), 'SIGKILL');
    await waitForState(key, 'error');
    expect(await rowCell(key, 'state')).toMatch(/^error.+/);
  });

  it('keyboard only: Tab reaches every server and every action; a stop confirmed with Enter turns the row inactive', async () => {
    await page.goto(`${origin}/#/`);
    const key = `local/${v1.uuid}`;
    await waitForState(key, 'active');
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await tabTo(`a[href="#/server/${key}"]`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#server-view:not([hidden]) #actions button[data-action="stop"]');
    const seen = await tabTo('#actions button[data-action="stop"]');
    await tabTo('#actions button[data-action="delete"]');
    const rest = [...seen, ...(await tabTo('#try-form button[type="submit"]'))];
    expect(rest).toEqual(expect.arrayContaining([expect.stringMatching(/^textarea#try-body/), expect.stringMatching(/^select#try-protocol/)]));
    await tabTo('#logs');
    await tabTo('a[href="#/"]'); // wraps around to the header's link
    await tabTo('#actions button[data-action="stop"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('dialog#confirm[open]');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('confirm-cancel');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('confirm-ok');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#server-state .state')?.textContent === 'inactive', { timeout: 60_000 });
    expect(parseJson(await zenml(['model-deployer', 'find', '--uuid', v1.uuid, '--json']))[0].state).toBe('inactive');
    // The buttons follow the state: start instead of stop, reachable too.
    await page.waitForSelector('#actions button[data-action="start"]');
    await tabTo('#actions button[data-action="start"]');
    await page.goto(`${origin}/#/`);
    await waitForState(key, 'inactive');
  });

  it('delete asks first: Cancel keeps the server, Confirm removes its row', async () => {
    const key = `local/${second.uuid}`;
    await page.click(`tr[data-key="${key}"] .col-model a`);
    await page.waitForSelector('#actions button[data-action="delete"]');
    await page.click('#actions button[data-action="delete"]');
    await page.waitForSelector('dialog#confirm[open]');
    expect(await page.$eval('#confirm-text', (el) => el.textContent)).toMatch(/cannot be undone/);
    await page.click('#confirm-cancel');
    await page.waitForSelector('dialog#confirm:not([open])');
    expect(parseJson(await zenml(['model-deployer', 'find', '--json'])).map((s: any) => s.uuid)).toContain(second.uuid);
    await page.click('#actions button[data-action="delete"]');
    await page.waitForSelector('dialog#confirm[open]');
    await page.click('#confirm-ok');
    await page.waitForFunction(() => location.hash === '#/', { timeout: 60_000 });
    await page.waitForFunction((k) => !document.querySelector(`tr[data-key="${k}"]`), {}, key);
    expect(parseJson(await zenml(['model-deployer', 'find', '--json'])).map((s: any) => s.uuid)).not.toContain(second.uuid);
  });

  it('axe-core finds no serious or critical violation on the list or a server view', async () => {
    await page.goto(`${origin}/#/`);
    await waitForState(`local/${v1.uuid}`, 'inactive');
    expect(await axeSerious()).toEqual([]);
    await page.click(`tr[data-key="local/${v1.uuid}"] .col-model a`);
    await page.waitForSelector('#actions button[data-action="start"]');
    expect(await axeSerious()).toEqual([]);
  });

  it('the page logged no error or warning to the console', () => {
    expect(consoleProblems).toEqual([]);
  });

  it('Ctrl-C stops it: exit 0, the port closed', async () => {
    const exited = new Promise<number | null>((resolve) => dashboard.once('exit', (code) => resolve(code)));
    dashboard.kill('SIGINT');
    expect(await exited).toBe(0);
    await expect(fetch(`${origin}/`)).rejects.toThrow();
    expect(dashboardStderr).not.toMatch(/error/i);
  });
});
