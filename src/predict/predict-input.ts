/** Read what `predict` sends: `--data` JSON, a file (`.csv`, `.json`, anything else sniffed) or stdin (`--file -`). */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { PredictRequest } from './prediction.js';

/** Where the body comes from, as typed on the command line. */
export interface PredictInputOptions {
  data?: string;
  file?: string;
  /** Folder relative file paths resolve against. */
  cwd: string;
  /** Read for `--file -`. */
  stdin?: NodeJS.ReadableStream;
}

/** The body, its content type and a name for messages. */
export type PredictInput = Pick<PredictRequest, 'body' | 'contentType' | 'source'>;

/** Exactly one of --data / --file; JSON is checked here so a typo is exit 2 before any request. */
export async function readPredictInput(options: PredictInputOptions): Promise<PredictInput> {
  if (options.data !== undefined && options.file !== undefined) {
    throw new UsageError('give either --data or --file, not both');
  }
  if (options.data !== undefined) return { body: checkJson(options.data, '--data'), contentType: 'application/json', source: '--data' };
  if (options.file === undefined) {
    throw new UsageError('nothing to predict: give --data \'<json>\' or --file <path> (--file - reads stdin)', {
      suggestion: `zenml model-deployer predict <uuid> --data '{"instances": [[5.1, 3.5, 1.4, 0.2]]}'`,
    });
  }
  if (options.file === '-') return sniff(await readStream(options.stdin ?? process.stdin), 'stdin');
  const file = path.resolve(options.cwd, options.file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${options.file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, expected a file' : (error as Error).message}`);
  }
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return { body: checkNotEmpty(text, options.file), contentType: 'text/csv', source: options.file };
  if (ext === '.json') return { body: checkJson(text, options.file), contentType: 'application/json', source: options.file };
  return sniff(text, options.file);
}

// No extension to go by: JSON starts with an object or an array, anything else is taken for CSV with a header row.
function sniff(text: string, source: string): PredictInput {
  const trimmed = checkNotEmpty(text, source).trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return { body: checkJson(text, source), contentType: 'application/json', source };
  return { body: text, contentType: 'text/csv', source };
}

function checkNotEmpty(text: string, source: string): string {
  if (text.trim() === '') throw new UsageError(`${source}: is empty, expected a JSON request or CSV rows with a header`);
  return text;
}

function checkJson(text: string, source: string): string {
  checkNotEmpty(text, source);
  try {
    JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${source}: not valid JSON (${(error as Error).message})`);
  }
  // Sent as typed, not re-serialized: numbers keep every digit the user wrote.
  return text;
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
