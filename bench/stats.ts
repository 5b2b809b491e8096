/** Summaries of repeated measurements: median with min and max, and ratios of medians. */

/** Median, min and max of repeated runs of one figure. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** How many runs. */
  n: number;
  unit: string;
}

/** Summarise `values` (at least one). */
export function summarize(values: number[], unit: string): Summary {
  if (values.length === 0) throw new Error('summarize: no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median: round(median), min: round(sorted[0]), max: round(sorted[sorted.length - 1]), n: values.length, unit };
}

/** `a / b` of two medians, rounded to 2 decimals; undefined when either is missing or b is 0. */
export function ratio(a: Summary | undefined, b: Summary | undefined): number | undefined {
  if (!a || !b || b.median === 0) return undefined;
  return round(a.median / b.median, 2);
}

/** Round to `digits` decimals (3 by default): results stay readable in JSON. */
export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** "12.3 ms (10.1–15.0)": a summary in one table cell. */
export function formatSummary(s: Summary | undefined): string {
  if (!s) return '—';
  return `${fmt(s.median)} ${s.unit} (${fmt(s.min)}–${fmt(s.max)})`;
}

/** A number with 3 significant digits below 100, whole numbers above. */
export function fmt(value: number): string {
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(3)).toString();
}
