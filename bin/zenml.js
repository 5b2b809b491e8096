#!/usr/bin/env node
// The `zenml` executable: a thin shim over the bundled CLI (see scripts/bundle-cli.mjs).
import { main } from '../dist/bundle/main.js';

process.exitCode = await main(process.argv);
