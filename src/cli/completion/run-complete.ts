/**
 * `zenml __complete <words…>`: the hidden command the completion scripts call on every Tab. It runs
 * before commander parses anything (the words are a partial command line, often invalid) and never
 * fails: errors are swallowed, the answer is just shorter.
 */
import type { Command } from 'commander';
import { complete } from './complete.js';
import { configSources } from './sources.js';

/** Print the candidates for `words` (the last is the word at the cursor), then the directive line. */
export async function runComplete(
  program: Command,
  words: string[],
  out: NodeJS.WritableStream = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const answer = await complete(program, words.length ? words : [''], configSources(process.cwd(), env)).catch(() => ({
    candidates: [],
    files: false,
  }));
  const lines = answer.candidates.map((c) => (c.description ? `${c.value}\t${oneLine(c.description)}` : c.value));
  lines.push(answer.files ? ':file' : ':none');
  out.write(`${lines.join('\n')}\n`);
  return 0;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
