// `zenml model-deployer dashboard` through the built binary, in a real browser (Debian's chromium via puppeteer-core),
// showing a seldon deployer's server on the test cluster (test/k8s/cluster.ts: a real API server and the real Seldon
// Core 1.17.1 operator): flavor, state, the ready/desired replicas and the conditions the operator wrote, and a
// `stop` from the CLI turning the row inactive without a reload. One cluster (seldon) only: KServe's row mapping is
// covered by test/dashboard/dashboard-units.test.ts and its info keys by test/kserve/kserve-units.test.ts.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { launchBrowser, watchedPage, type TestBrowser } from '../helpers/browser.js';
import { assertFresh } from '../helpers/build-guard.js';
import { REPO_ROOT, ZENML_BIN, assertCliBuilt, isolatedEnv, killRunningZenml, parseJson, runZenml, type RunResult } from '../helpers/cli.js';
import { TempDirs } from '../helpers/temp.js';
import { createNamespace, startKubeCluster, type KubeCluster } from '../k8s/cluster.js';
import { describeKube } from '../k8s/require-kube.js';

// Code passed to page.evaluate runs in the browser; the test program has no DOM types (tsconfig: lib ES2023).
declare const document: any;
declare const window: any;

const NAMESPACE = 'models';
const temps = new TempDirs();

describeKube('zenml model-deployer dashboard, a seldon server on a real cluster, in a real browser', () => {
  let cluster: KubeCluster;
  let dir: string;
  let dashboard: ChildProcessWithoutNullStreams | undefined;
  let dashboardStderr = '';
  let testBrowser: TestBrowser | undefined;
  let page: Page;
  let view: any;
  const consoleProblems: string[] = [];

  const run = (...args: string[]) => runZenml(args, { cwd: dir, timeoutMs: 150_000 });
  async function ok(...args: string[]): Promise<RunResult> {
    const r = await run(...args);
    if (r.code !== 0) throw new Error(`zenml ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r;
  }

  /** The text of a cell of the server's row. */
  const cell = (column: string) => page.$eval(`tr[data-key="k8s/${view.uuid}"] .col-${column}`, (el) => el.textContent ?? '');

  beforeAll(async () => {
    assertCliBuilt();
    // The page is built from web/dashboard/ (scripts/bundle-dashboard.mjs): test the current one.
    assertFresh(path.join(REPO_ROOT, 'dist/dashboard-web/app.js'), path.join(REPO_ROOT, 'web/dashboard'));
    cluster = await startKubeCluster({ controller: 'seldon' });
    await createNamespace(cluster, NAMESPACE);
    dir = temps.dir('zenml-dashboard-seldon-');
    await ok('init');
    await ok('model-deployer', 'register', 'k8s', '--flavor', 'seldon', '--kubeconfig', cluster.kubeconfigPath, '--kubernetes-context', cluster.contextName, '--kubernetes-namespace', NAMESPACE, '--base-url', 'http://ingress.example.com');
    await ok('stack', 'register', 'prod', '-d', 'k8s', '--set');
    view = parseJson(
      await ok('model-deployer', 'deploy', '--json', '--model-uri', 's3://models/iris', '--model-name', 'iris', '--model-type', 'sklearn', '--pipeline-name', 'training', '--pipeline-step-name', 'deployer', '--pipeline-run-id', 'run-1'),
    );
    expect(view).toMatchObject({ state: 'active', flavor: 'seldon' });

    dashboard = spawn(process.execPath, [ZENML_BIN, 'model-deployer', 'dashboard', '-q', '--no-open', '--port', '0'], { cwd: dir, env: isolatedEnv(dir) });
    dashboard.stderr.setEncoding('utf8').on('data', (c: string) => (dashboardStderr += c));
    const url = await new Promise<string>((resolve, reject) => {
      let text = '';
      dashboard!.stdout.setEncoding('utf8').on('data', (c: string) => {
        text += c;
        if (text.includes('\n')) resolve(text.trim());
      });
      dashboard!.on('exit', (code) => reject(new Error(`the dashboard exited ${code} before printing its URL\n${dashboardStderr}`)));
    });
    testBrowser = await launchBrowser();
    page = await watchedPage(testBrowser, consoleProblems);
    await page.goto(url);
  }, 240_000);

  afterAll(async () => {
    await testBrowser?.close();
    if (dashboard && dashboard.exitCode === null) dashboard.kill('SIGKILL');
    killRunningZenml();
    await cluster?.stop();
    temps.cleanup();
  });

  test('the row shows flavor seldon, state active, 1/1 ready replicas and the Ready=True condition the operator wrote', async () => {
    const key = `k8s/${view.uuid}`;
    await page.waitForSelector(`tr[data-key="${key}"][data-state="active"]`, { timeout: 30_000 });
    expect(await cell('flavor')).toBe('seldon');
    expect(await cell('deployer')).toBe('k8s');
    expect(await cell('model')).toBe('iris');
    expect(await cell('url')).toBe(view.predictionUrl);
    // The operator writes deploymentStatus and conditions as the Deployment becomes available: wait for them.
    await page.waitForFunction((k: string) => document.querySelector(`tr[data-key="${k}"] .col-replicas .replicas`)?.textContent === '1/1 ready', { timeout: 30_000 }, key);
    await page.waitForFunction((k: string) => /(^|, )Ready=True(,|$)/.test(document.querySelector(`tr[data-key="${k}"] .col-replicas .conditions`)?.textContent ?? ''), { timeout: 30_000 }, key);
    // The same facts in the server's own view (describe's info keys).
    await page.click(`tr[data-key="${key}"] .col-model a`);
    await page.waitForSelector('#server-view:not([hidden])');
    const facts = await page.$eval('#facts', (el) => el.textContent ?? '');
    expect(facts).toContain('ready replicas1/1');
    expect(facts).toMatch(/conditions.*Ready=True/);
    await page.goto(page.url().replace(/#.*$/, '#/'));
  });

  test('a stop from the CLI turns the row inactive without a reload', async () => {
    const key = `k8s/${view.uuid}`;
    await page.waitForSelector(`tr[data-key="${key}"][data-state="active"]`, { timeout: 30_000 });
    await page.evaluate(() => ((window as any).__notReloaded = true));
    const stopped = parseJson(await ok('model-deployer', 'stop', view.uuid, '--json'));
    expect(stopped).toMatchObject({ uuid: view.uuid, state: 'inactive' });
    await page.waitForSelector(`tr[data-key="${key}"][data-state="inactive"]`, { timeout: 30_000 });
    expect(await page.evaluate(() => (window as any).__notReloaded)).toBe(true);
    // Stopped: what a start brings back, not "0/0 ready".
    expect(await page.$eval(`tr[data-key="${key}"] .col-replicas .replicas`, (el) => el.textContent)).toBe('0 (stopped; 1 on start) replicas');
  });

  test('the page logged no error or warning to the console; the dashboard wrote no error', () => {
    expect(consoleProblems).toEqual([]);
    expect(dashboardStderr).not.toMatch(/error/i);
  });
});
