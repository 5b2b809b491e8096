// `npm run demo`: deploy the Iris model with the default stack (no setup), ask it for predictions
// through both protocols, and leave the server running with the commands to inspect and stop it.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const zenml = path.join(root, 'bin', 'zenml.js');
const modelUri = path.join('examples', 'iris', 'model.onnx');

function run(args: string[]): string {
  const result = spawnSync(process.execPath, [zenml, ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) {
    process.stderr.write(result.stdout);
    process.exit(result.status ?? 1);
  }
  return result.stdout;
}

async function post(url: string, body: unknown): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

const rows = [
  [5.1, 3.5, 1.4, 0.2], // setosa
  [6.0, 2.9, 4.5, 1.5], // versicolor
  [6.9, 3.1, 5.4, 2.1], // virginica
];

console.log(`$ zenml model-deployer deploy --model-uri ${modelUri} --model-name iris --replace`);
const service = JSON.parse(run(['model-deployer', 'deploy', '--model-uri', modelUri, '--model-name', 'iris', '--pipeline-name', 'demo', '--pipeline-step-name', 'deployer', '--replace', '--json']));
const info = service.info as Record<string, string>;
console.log(`model server ${service.uuid} is ${service.state} at ${info.PREDICTION_URL}\n`);

const columns = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
console.log('MLflow scoring protocol: POST /invocations');
console.log(JSON.stringify(await post(info.PREDICTION_URL, { dataframe_split: { columns, data: rows } })));

console.log('\nOpen Inference Protocol v2: POST /v2/models/iris/infer');
const v2 = await post(info.V2_INFER_URL, { inputs: [{ name: 'input', shape: [rows.length, 4], datatype: 'FP32', data: rows.flat() }] });
console.log(JSON.stringify(v2));

console.log(`
The server keeps running in the background. Try:
  npx zenml model-deployer find
  npx zenml model-deployer describe ${service.uuid.slice(0, 8)}
  npx zenml model-deployer logs ${service.uuid.slice(0, 8)}
  npx zenml model-deployer stop ${service.uuid.slice(0, 8)}
  npx zenml model-deployer delete ${service.uuid.slice(0, 8)}`);
