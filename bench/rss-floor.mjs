// The floor of an idle model server's memory: bare node with one onnxruntime session on the model, doing nothing.
// Prints "ready" once the session is loaded, then idles until killed. Usage: node bench/rss-floor.mjs <model.onnx>
// Same session options as the server (src/server/model-session.ts), so only the server's own code differs.
import { availableParallelism } from 'node:os';
import ort from 'onnxruntime-node';

const session = await ort.InferenceSession.create(process.argv[2], {
  executionProviders: ['cpu'],
  intraOpNumThreads: availableParallelism(),
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
});
process.stdout.write(`ready ${session.inputNames.join(',')}\n`);
setInterval(() => undefined, 1 << 30);
