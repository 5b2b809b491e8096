/**
 * A small RFC 4180 CSV reader for MLflow's `text/csv` scoring input: a header row, then one row per record.
 */
import { RequestError } from './http-util.js';

/** A parsed table: header names and rows of typed cells. */
export interface CsvTable {
  /** Header row. */
  columns: string[];
  /** Data rows; numeric-looking cells are numbers, true/false are booleans, empty or NaN cells are NaN. */
  rows: unknown[][];
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

// Cells are typed the way pandas.read_csv would infer them, since MLflow builds its DataFrame that way.
function typedCell(cell: string): unknown {
  const text = cell.trim();
  if (NUMBER.test(text)) return Number(text);
  if (text === '' || /^(nan|NaN|NA|null)$/.test(text)) return Number.NaN;
  if (/^true$/i.test(text)) return true;
  if (/^false$/i.test(text)) return false;
  return cell;
}

function splitRecords(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (quoted) throw new RequestError(400, 'malformed CSV: unterminated quoted field');
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  // Blank lines carry no record (pandas skips them too).
  return records.filter((r) => !(r.length === 1 && r[0]!.trim() === ''));
}

/** Parses CSV text with a header row; rows of the wrong width are 400s naming the line. */
export function parseCsv(text: string): CsvTable {
  const [header, ...body] = splitRecords(text);
  if (header === undefined) throw new RequestError(400, 'malformed CSV: expected a header row and data rows, got an empty body');
  const columns = header.map((h) => h.trim());
  const rows = body.map((r, i) => {
    if (r.length !== columns.length) {
      throw new RequestError(400, `malformed CSV: row ${i + 1} has ${r.length} fields, the header has ${columns.length}`);
    }
    return r.map(typedCell);
  });
  return { columns, rows };
}
