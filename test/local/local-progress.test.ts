// Layer 2: the waits a `local` deployer reports through DeployerContext.progress (the hook the CLI's
// spinner and other flavors use), in order and nested as they happen, with a real server process.
import { LocalModelDeployer } from '../../src/integrations/local/index.js';
import type { ProgressReporter } from '../../src/index.js';
import { IRIS_V1, Janitor, requireBuiltServer } from './local-helpers.js';

const janitor = new Janitor();
afterEach(() => janitor.cleanup());
beforeAll(requireBuiltServer);

/** A reporter that records each wait's start and end with its nesting depth, and how it ended. */
function recorder(events: string[]): ProgressReporter {
  let depth = 0;
  return async (label, work) => {
    events.push(`${'  '.repeat(depth)}start ${label}`);
    depth += 1;
    try {
      const result = await work();
      events.push(`${'  '.repeat(depth - 1)}done ${label}`);
      return result;
    } catch (error) {
      events.push(`${'  '.repeat(depth - 1)}failed ${label}`);
      throw error;
    } finally {
      depth -= 1;
    }
  };
}

function deployer(stateDir: string, events: string[]): LocalModelDeployer {
  return new LocalModelDeployer(LocalModelDeployer.configSchema.parse({}), { name: 't', configDir: stateDir, stateDir, log: () => undefined, progress: recorder(events) });
}

describe('DeployerContext.progress with the local flavor', () => {
  it('deploy shows the model load inside the deploy; stop, start and delete show theirs', async () => {
    const events: string[] = [];
    const d = deployer(janitor.tempDir(), events);
    const service = await d.deployModel({ modelName: 'iris', modelUri: IRIS_V1 }, { timeout: 60 });
    const port = new URL(service.endpoint!.predictionUrl).port;
    expect(events).toEqual([
      'start deploying model iris',
      `  start loading model iris (server ${service.uuid.slice(0, 8)}, port ${port})`,
      `  done loading model iris (server ${service.uuid.slice(0, 8)}, port ${port})`,
      'done deploying model iris',
    ]);
    events.length = 0;
    await d.stopModelServer(service.uuid, { timeout: 30, force: true });
    await d.startModelServer(service.uuid, { timeout: 60 });
    await d.deleteModelServer(service.uuid, { timeout: 30, force: true });
    expect(events.filter((e) => !e.startsWith(' '))).toEqual([
      `start stopping model server ${service.uuid}`,
      `done stopping model server ${service.uuid}`,
      `start starting model server ${service.uuid}`,
      `done starting model server ${service.uuid}`,
      `start deleting model server ${service.uuid}`,
      `done deleting model server ${service.uuid}`,
    ]);
  });

  it('a failed wait is reported as failed; timeout 0 reports no wait', async () => {
    const events: string[] = [];
    const d = deployer(janitor.tempDir(), events);
    await expect(d.deployModel({ modelName: 'nope', modelUri: '/nonexistent/model.onnx' }, { timeout: 30 })).rejects.toThrow();
    expect(events).toEqual(['start deploying model nope', 'failed deploying model nope']);
    events.length = 0;
    const pending = await d.deployModel({ modelName: 'iris', modelUri: IRIS_V1 }, { timeout: 0 });
    expect(pending.status.state).toBe('pending_startup');
    expect(events).toEqual([]);
  });
});
