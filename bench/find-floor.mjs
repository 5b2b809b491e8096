// The floor under `find --json` for the scale figure: what any Node program must do to print a
// store's services, and nothing else: start, read the index, parse every record, print them.
// Usage: node bench/find-floor.mjs <stateDir>/services.index.json
import { readFileSync, writeSync } from 'node:fs';

const [, ...lines] = readFileSync(process.argv[2], 'utf8').split('\n');
const records = [];
for (const line of lines) if (line) records.push(JSON.parse(line.slice(line.indexOf('\t', line.indexOf('\t') + 1) + 1)));
writeSync(1, `${JSON.stringify(records)}\n`);
