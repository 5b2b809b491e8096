// Bundles the CLI (dist/cli/main.js and everything it imports, lazily loaded chunks included)
// into dist/bundle/. Loading a few files instead of ~180 small ESM modules roughly halves
// `zenml model-deployer flavor list` start time. The public API (dist/index.js) stays unbundled.
import { rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names are content hashes: without this, every build would leave the old ones behind.
rmSync('dist/bundle', { recursive: true, force: true });

const result = await build({
  entryPoints: { main: 'dist/cli/main.js' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Native code, the TypeScript loader for user flavors, and cosmiconfig's optional TypeScript
  // config loader stay outside: they load (lazily) from node_modules when a command needs them.
  // @kubernetes/client-node is bundled: only the Kubernetes flavors (seldon, kserve) import it (dynamically), so it lands in
  // a lazy chunk that `--help` and `flavor list` never load, and one chunk loads in ~130 ms where its
  // ~2,500 separate modules took ~450 ms on every `find`.
  external: ['onnxruntime-node', 'tsx', 'tsx/*', 'typescript'],
  // CommonJS dependencies use require() and __filename; give every chunk its own.
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
  // Smaller sources compile faster at every start; identifiers stay readable in --verbose stacks.
  minifyWhitespace: true,
  minifySyntax: true,
});
// Which modules each chunk holds: the fast-start test maps loaded chunks back to packages with it.
writeFileSync('dist/bundle/meta.json', JSON.stringify(result.metafile));
