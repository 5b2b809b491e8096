// A server's own view: facts, charts, the log following live, the try-it form and the action buttons.
import { act, getJson, serverPath } from './api.js';
import { makeCharts, type Chart } from './charts.js';
import { confirmAction } from './confirm.js';
import { modelLabel, replicasLabel, uptime } from './format.js';
import { stateBadge } from './list-view.js';
import type { Point, Row } from './types.js';

const $ = (id: string) => document.getElementById(id) as HTMLElement;
const MAX_LOG_LINES = 500;

const QUESTIONS: Record<string, [string, string]> = {
  stop: ['Stop this model server? It can be started again.', 'Stop'],
  start: ['Start this model server again?', 'Start'],
  delete: ['Delete this model server? It stops and is forgotten; this cannot be undone.', 'Delete'],
  promote: ['Send all traffic to the newest revision?', 'Promote'],
  rollback: ['Send all traffic back to the previous revision?', 'Roll back'],
};

let current: { key: string; charts: Chart[]; logs: EventSource; actions: string } | undefined;

/** Open the view of server `key` (closing the previous one's log stream and charts). */
export async function openServer(key: string, onProblem: (message: string) => void): Promise<void> {
  closeServer();
  const logs = new EventSource(`${serverPath(key)}/logs`);
  const pre = $('logs');
  pre.textContent = '';
  logs.onmessage = (event) => appendLog(pre, JSON.parse(event.data) as string);
  logs.addEventListener('failure', (event) => onProblem(`log: ${(JSON.parse((event as MessageEvent).data) as { message: string }).message}`));
  const charts = makeCharts($('chart-rps'), $('chart-latency'));
  current = { key, charts, logs, actions: '' };
  $('try-answer').textContent = '';
  const history = await getJson<Point[]>(`${serverPath(key)}/history`).catch(() => []);
  if (current?.key === key) for (const chart of charts) chart.set(history);
}

/** Leave the server view. */
export function closeServer(): void {
  if (!current) return;
  current.logs.close();
  for (const chart of current.charts) chart.destroy();
  current = undefined;
}

/** The key of the open server, if any. */
export function openKey(): string | undefined {
  return current?.key;
}

function appendLog(pre: HTMLElement, line: string): void {
  const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  pre.append(`${line}\n`);
  while (pre.childNodes.length > MAX_LOG_LINES) pre.firstChild!.remove();
  if (atBottom) pre.scrollTop = pre.scrollHeight;
}

/** Update the open view with the server's row of a new snapshot. */
export function renderServer(row: Row, now: number, onAction: (action: string) => Promise<void>): void {
  if (!current || current.key !== row.key) return;
  $('server-title').textContent = `${modelLabel(row)} · ${row.deployer}`;
  stateBadge($('server-state'), row);
  renderFacts(row, now);
  if (row.metrics) for (const chart of current.charts) chart.add({ at: Date.now(), rps: row.metrics.requestsPerSecond, p50: row.metrics.p50Ms, p99: row.metrics.p99Ms });
  // Buttons are rebuilt only when the set changes: one the user is on keeps its focus.
  const actions = row.actions.filter((a) => a !== 'predict').join(',');
  if (actions !== current.actions) {
    current.actions = actions;
    $('actions').replaceChildren(
      ...row.actions
        .filter((a) => a !== 'predict')
        .map((action) => {
          const button = document.createElement('button');
          button.type = 'button';
          button.dataset.action = action;
          button.textContent = QUESTIONS[action]?.[1] ?? action;
          if (action === 'delete') button.className = 'danger';
          button.onclick = async () => {
            const [question, label] = QUESTIONS[action] ?? [`${action}?`, action];
            if (await confirmAction(question, label)) await onAction(action);
          };
          return button;
        }),
    );
  }
  (document.querySelector('#try-form button') as HTMLButtonElement).disabled = !row.actions.includes('predict');
}

function renderFacts(row: Row, now: number): void {
  // What `describe` shows, plus what only a live view knows.
  const facts: [string, string][] = [...row.facts, ['uptime', uptime(row, now)], ['replicas · traffic', replicasLabel(row)]];
  $('facts').replaceChildren(
    ...facts
      .filter(([, v]) => v && v !== '–')
      .flatMap(([k, v]) => {
        const dt = document.createElement('dt');
        dt.textContent = k;
        const dd = document.createElement('dd');
        dd.textContent = v;
        return [dt, dd];
      }),
  );
}

/** Wire the try-it form: the body goes through the same code as `predict --data`. */
export function wireTryIt(onProblem: (message: string) => void): void {
  $('try-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!current) return;
    const answer = $('try-answer');
    answer.textContent = 'asking…';
    try {
      const data = ($('try-body') as HTMLTextAreaElement).value;
      const protocol = ($('try-protocol') as HTMLSelectElement).value || undefined;
      const prediction = (await act(current.key, 'predict', { data, protocol })) as { answer: unknown };
      answer.textContent = JSON.stringify(prediction.answer, null, 2);
    } catch (error) {
      answer.textContent = '';
      onProblem((error as Error).message);
    }
  });
}
