// Shared by the local flavor tests: deployers over temp state dirs, cleanup of every server they started, predictions.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalModelDeployer } from '../../src/integrations/local/index.js';
import { stopProcess, type ProcessIdentity } from '../../src/services/daemon.js';
import { httpRequest } from '../../src/services/http-request.js';

/** The repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The two iris models; v2 answers differently. */
export const IRIS_V1 = path.join(repoRoot, 'examples/iris/model.onnx');
export const IRIS_V2 = path.join(repoRoot, 'examples/iris/model-v2.onnx');

/** Throws a clear message when the server has not been built (the tests spawn dist/server/main.js). */
export function requireBuiltServer(): void {
  const entry = path.join(repoRoot, 'dist/server/main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npx tsc -p tsconfig.build.json first`);
}

/** Temp dirs and processes to clean up, whatever happens in the tests. */
export class Janitor {
  private dirs: string[] = [];
  private identities: ProcessIdentity[] = [];

  /** A new temp dir, removed by cleanup(). */
  tempDir(prefix = 'zenml-local-'): string {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  /** Remember a process to stop at cleanup. */
  track(identity: ProcessIdentity | undefined): void {
    if (identity) this.identities.push(identity);
  }

  /** Kill every recorded server (by identity, so only ours) and remove the temp dirs. */
  async cleanup(): Promise<void> {
    for (const dir of this.dirs) {
      const root = path.join(dir, 'services');
      if (!existsSync(root)) continue;
      for (const uuid of readdirSync(root)) {
        try {
          const extra = JSON.parse(readFileSync(path.join(root, uuid, 'service.json'), 'utf8')).extra;
          if (typeof extra.pid === 'number') this.track({ pid: extra.pid, startTime: extra.processStartTime ?? '' });
        } catch {
          // no record: nothing running
        }
      }
    }
    await Promise.all(this.identities.splice(0).map((id) => stopProcess(id, 5, true).catch(() => undefined)));
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** A local deployer over `stateDir`, its settings parsed by the flavor's own schema. */
export function makeDeployer(stateDir: string, settings: Record<string, unknown> = {}, logs: string[] = []): LocalModelDeployer {
  const parsed = LocalModelDeployer.configSchema.parse(settings);
  return new LocalModelDeployer(parsed, { name: 'test', configDir: stateDir, stateDir, log: (m) => logs.push(m) });
}

/** Iris rows whose v1 and v2 probabilities differ. */
export const ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.2, 2.9, 4.3, 1.3],
  [6.3, 3.3, 6.0, 2.5],
];

/** POST /invocations; resolves with the status, the instance header and the probabilities. */
export async function predict(url: string): Promise<{ status: number; instance: unknown; probabilities: number[][] }> {
  const res = await httpRequest(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: ROWS }),
    timeoutMs: 30_000,
  });
  const body = res.status === 200 ? (JSON.parse(res.body) as { predictions: { probabilities: number[][] } }) : undefined;
  return { status: res.status, instance: res.headers['x-zenml-instance'], probabilities: body?.predictions.probabilities ?? [] };
}
