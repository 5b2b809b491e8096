#!/usr/bin/env node
// The `zenml` executable: a thin shim over the bundled CLI (see scripts/bundle-cli.mjs).
import module from 'node:module';

// Node >= 22.1 can cache compiled code between runs; on Node 20 this is a no-op.
module.enableCompileCache?.();
// Deprecation warnings come from dependencies (on Node 24 the Kubernetes client's punycode and url.parse):
// users cannot act on them and they would break "errors print one line". --verbose keeps them.
if (!process.argv.includes('--verbose')) process.noDeprecation = true;
const { main } = await import('../dist/bundle/main.js');
process.exitCode = await main(process.argv);
