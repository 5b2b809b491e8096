// Bundles the dashboard's page (web/dashboard/: TypeScript, CSS, uPlot from node_modules) into dist/dashboard-web/:
// index.html, app.js and app.css, the only files `zenml model-deployer dashboard` serves. Minified; no source maps
// (the page must stay small: see docs/dashboard.md, "Cost").
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const OUT = 'dist/dashboard-web';
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
await build({
  entryPoints: { app: 'web/dashboard/app.ts' },
  outdir: OUT,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  legalComments: 'eof',
  logLevel: 'warning',
});
copyFileSync('web/dashboard/index.html', `${OUT}/index.html`);
