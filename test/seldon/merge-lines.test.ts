// mergeLines interleaves several async line sources as lines arrive (following the logs of every replica).
import { mergeLines } from '../../src/integrations/kubernetes/merge-lines.js';

async function* timed(lines: Array<[number, string]>, ended: string[], name: string): AsyncIterable<string> {
  try {
    for (const [delay, line] of lines) {
      await new Promise((r) => setTimeout(r, delay));
      yield line;
    }
  } finally {
    ended.push(name);
  }
}

test('yields lines in arrival order across sources, and every line once', async () => {
  const ended: string[] = [];
  const out: string[] = [];
  for await (const line of mergeLines([timed([[0, 'a1'], [60, 'a2']], ended, 'a'), timed([[30, 'b1'], [60, 'b2']], ended, 'b')])) out.push(line);
  expect(out).toEqual(['a1', 'b1', 'a2', 'b2']);
  expect(ended.sort()).toEqual(['a', 'b']);
});

test('a consumer that stops early ends every source', async () => {
  const ended: string[] = [];
  for await (const line of mergeLines([timed([[0, 'a1'], [10, 'a2']], ended, 'a'), timed([[5, 'b1'], [10, 'b2']], ended, 'b')])) {
    if (line === 'a1') break;
  }
  expect(ended.sort()).toEqual(['a', 'b']);
});
