#!/usr/bin/env node
// The `zenml` executable: a thin shim over the compiled CLI.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
