// The model server the CLI starts is the esbuild bundle (dist/server/bundle/, scripts/bundle-server.mjs): deployed
// through the built `zenml` binary, it answers HTTP and gRPC (the lazily loaded gRPC chunk finds its .proto beside
// it), and with two workers the cluster workers run the bundled worker entry.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, killRunningZenml, parseJson, runZenml, writeDotfile } from '../helpers/cli.js';
import { grpcClient, ok } from '../helpers/grpc-client.js';
import { CliSandbox } from '../helpers/mlflow-cli.js';

const IRIS = path.join(REPO_ROOT, 'examples/iris/model.onnx');
const BUNDLE = path.join(REPO_ROOT, 'dist/server/bundle');
const sandbox = new CliSandbox();

const zenml = (...args: string[]) => runZenml(['--config', sandbox.configPath, ...args], { cwd: sandbox.dir, timeoutMs: 90_000 });

/** argv of a process, from /proc. */
function cmdline(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

/** Direct children of a process (every thread's children list). */
function children(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

beforeAll(() => {
  writeDotfile(sandbox.dir, {
    version: 1,
    modelDeployers: { one: { flavor: 'local', settings: {} }, two: { flavor: 'local', settings: { workers: 2 } } },
  });
});
afterAll(async () => {
  killRunningZenml();
  await sandbox.cleanup();
});

async function deploy(deployer: string): Promise<any> {
  const result = await zenml('model-deployer', 'deploy', '--deployer', deployer, '--model-uri', IRIS, '--model-name', 'iris', '--timeout', '60', '--json');
  if (result.code !== 0) throw new Error(`deploy exited ${result.code}: ${result.stdout}${result.stderr}`);
  return parseJson(result);
}

it('the deployed server runs the bundle and answers HTTP and gRPC', async () => {
  const view = await deploy('one');
  const pid = Number(view.info.DAEMON_PID);
  expect(cmdline(pid)).toContain(path.join(BUNDLE, 'main.js'));
  const http = await zenml('model-deployer', 'predict', view.uuid, '--deployer', 'one', '--data', '{"instances": [[5.1, 3.5, 1.4, 0.2]]}');
  expect(http.code).toBe(0);
  expect(parseJson(http).predictions.label).toEqual([0]);
  const client = grpcClient(Number(view.info.GRPC_URL.split(':').pop()));
  try {
    const reply = await ok(client.call('ModelInfer', {
      model_name: 'iris',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], contents: { fp32_contents: [5.1, 3.5, 1.4, 0.2] } }],
    }));
    const label = reply.outputs.findIndex((o: any) => o.name === 'label');
    const contents = reply.raw_output_contents.length > 0 ? Number(Buffer.from(reply.raw_output_contents[label]).readBigInt64LE(0)) : Number(reply.outputs[label].contents.int64_contents[0]);
    expect(contents).toBe(0);
  } finally {
    client.close();
  }
});

it('with two workers, the cluster workers run the bundled worker entry', async () => {
  const view = await deploy('two');
  const workers = children(Number(view.info.DAEMON_PID));
  expect(workers).toHaveLength(2);
  for (const pid of workers) expect(cmdline(pid)).toContain(path.join(BUNDLE, 'worker-main.js'));
  const http = await zenml('model-deployer', 'predict', view.uuid, '--deployer', 'two', '--protocol', 'v2', '--data',
    JSON.stringify({ inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [6.9, 3.1, 5.4, 2.1] }] }));
  expect(http.code).toBe(0);
  expect(parseJson(http).outputs.find((o: any) => o.name === 'label').data).toEqual([2]);
});
