// Sizes of the torture suite's loops. `npm test` runs the short form (bounded so that the whole
// suite stays a few minutes on 2 cores); `npm run torture` sets ZENML_TORTURE=full for the counts
// the README's "What it survives" table reports.

/** True under `npm run torture` (ZENML_TORTURE=full). */
export const FULL = process.env.ZENML_TORTURE === 'full';

/** `full` iterations under `npm run torture`, `short` inside `npm test`. */
export function scale(full: number, short: number): number {
  return FULL ? full : short;
}

/** Jest timeout for a torture test: generous in the full run, bounded in the short one. */
export function tortureTimeout(fullMs: number, shortMs: number): number {
  return FULL ? fullMs : shortMs;
}
