// Bundles the model server (dist/server/main.js and the cluster workers' dist/server/worker-main.js) into
// dist/server/bundle/. An idle server then holds a few minified files instead of ~40 of our modules plus all of
// zod and protobufjs as separate node_modules files: less memory per server (see bench/README.md,
// "Idle server memory"). gRPC stays a lazily loaded chunk. The unbundled dist/server/ stays for the public API.
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const OUT = 'dist/server/bundle';
rmSync(OUT, { recursive: true, force: true });

const result = await build({
  // Same names as in dist/server: cluster-primary finds ./worker-main.js beside itself, grpc-server ./proto/.
  entryPoints: { main: 'dist/server/main.js', 'worker-main': 'dist/server/worker-main.js' },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Native code loads from node_modules.
  external: ['onnxruntime-node'],
  banner: {
    js: [
      "import { createRequire as __zenmlCreateRequire } from 'node:module';",
      "import { fileURLToPath as __zenmlFileURLToPath } from 'node:url';",
      "import { dirname as __zenmlDirname } from 'node:path';",
      'const require = __zenmlCreateRequire(import.meta.url);',
      'const __filename = __zenmlFileURLToPath(import.meta.url);',
      'const __dirname = __zenmlDirname(__filename);',
    ].join(' '),
  },
  chunkNames: 'chunk-[hash]',
  sourcemap: 'linked',
  logLevel: 'warning',
  metafile: true,
  minify: true,
});
cpSync('dist/server/proto', `${OUT}/proto`, { recursive: true });
writeFileSync(`${OUT}/meta.json`, JSON.stringify(result.metafile));
