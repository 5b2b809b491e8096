#!/usr/bin/env node
// The `zenml` executable: a thin shim over the bundled CLI (see scripts/bundle-cli.mjs).
import module from 'node:module';

// Node >= 22.1 can cache compiled code between runs; on Node 20 this is a no-op.
module.enableCompileCache?.();
const { main } = await import('../dist/bundle/main.js');
process.exitCode = await main(process.argv);
