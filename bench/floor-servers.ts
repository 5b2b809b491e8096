/**
 * The floors of the throughput figure, run as a child process: servers that do everything a served prediction does
 * on the wire and nothing else, so a served figure can be set against what Node itself can do on this machine.
 *
 *   node --import tsx bench/floor-servers.ts http <port> <reply-hex> [spin-µs]
 *                                                                        bare node:http: read the body, answer the fixed
 *                                                                        bytes (after spinning the CPU for spin-µs: a
 *                                                                        server's work per request, without the server)
 *   node --import tsx bench/floor-servers.ts h2grpc <port> <reply-hex>   bare node:http2: read the frame, answer a fixed
 *                                                                        ModelInferResponse with gRPC framing and trailers
 *   node --import tsx bench/floor-servers.ts grpcjs <port> <reply-hex>   bare @grpc/grpc-js: the same answer from ModelInfer
 *
 * Prints `listening` once it accepts connections; runs until killed.
 */
import { createServer as createHttp } from 'node:http';
import { createServer as createHttp2 } from 'node:http2';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PROTO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/server/proto/grpc_predict_v2.proto');

// Busy until `us` µs have passed: the CPU time of a request's work, in the same place of the loop as the work.
function spin(us: number): void {
  const end = performance.now() + us / 1000;
  while (performance.now() < end);
}

function http(port: number, reply: Buffer, spinUs: number): Promise<void> {
  const server = createHttp((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      if (spinUs > 0) spin(spinUs);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': reply.length });
      res.end(reply);
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
}

function h2grpc(port: number, reply: Buffer): Promise<void> {
  const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), reply]);
  frame.writeUInt32BE(reply.length, 1);
  const server = createHttp2();
  server.on('stream', (stream) => {
    stream.on('error', () => undefined);
    stream.on('data', () => undefined);
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(frame);
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
}

async function grpcjs(port: number, reply: Buffer): Promise<void> {
  const grpc = await import('@grpc/grpc-js');
  const { loadSync } = await import('@grpc/proto-loader');
  const definition = loadSync(PROTO, { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
  const service = (grpc.loadPackageDefinition(definition).inference as any).GRPCInferenceService.service;
  // The answer pre-encoded: a pass-through serializer, so grpc-js's own cost is all that is measured.
  const definitionRaw = { ...service, ModelInfer: { ...service.ModelInfer, responseSerialize: (b: Buffer) => b } };
  const server = new grpc.Server();
  server.addService(definitionRaw, { ModelInfer: (_call: unknown, callback: (e: null, r: Buffer) => void) => callback(null, reply) });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
}

const [mode, portArg, replyHex = '', spinArg = '0'] = process.argv.slice(2);
const port = Number(portArg);
const reply = Buffer.from(replyHex, 'hex');
const start = { http: () => http(port, reply, Number(spinArg)), h2grpc: () => h2grpc(port, reply), grpcjs: () => grpcjs(port, reply) }[mode ?? ''];
if (!start) throw new Error(`floor-servers: unknown mode '${mode}' (http, h2grpc, grpcjs)`);
await start();
process.stdout.write('listening\n');
