// The dashboard page: one EventSource of snapshots drives the table and the open server's view; the hash routes.
import { act, startSession } from './api.js';
import { renderList } from './list-view.js';
import { closeServer, openKey, openServer, renderServer, wireTryIt } from './server-view.js';
import type { Snapshot } from './types.js';
import './style.css';

const $ = (id: string) => document.getElementById(id) as HTMLElement;
let last: Snapshot | undefined;

function showProblem(message: string): void {
  const p = document.createElement('p');
  p.textContent = message;
  const dismiss = document.createElement('button');
  dismiss.type = 'button';
  dismiss.textContent = 'Dismiss';
  dismiss.onclick = () => p.remove();
  p.append(' ', dismiss);
  $('problems').append(p);
}

function render(snapshot: Snapshot): void {
  last = snapshot;
  const now = Date.now();
  renderList($('servers').querySelector('tbody')!, snapshot.rows, now);
  $('empty').hidden = snapshot.rows.length > 0;
  const errors = snapshot.errors.map((e) => (e.deployer ? `${e.deployer}: ${e.message}` : e.message));
  $('live').textContent = `live · updated ${new Date(snapshot.at).toLocaleTimeString()}${errors.length ? ` · ${errors.join('; ')}` : ''}`;
  const key = openKey();
  const row = key ? snapshot.rows.find((r) => r.key === key) : undefined;
  if (key && row) renderServer(row, now, (action) => runAction(key, action));
  else if (key) $('server-state').textContent = 'this model server is gone';
}

async function runAction(key: string, action: string): Promise<void> {
  const button = document.querySelector(`#actions button[data-action="${action}"]`) as HTMLButtonElement | null;
  if (button) button.disabled = true;
  try {
    await act(key, action);
    if (action === 'delete') location.hash = '#/';
  } catch (error) {
    showProblem(`${action}: ${(error as Error).message}`);
  } finally {
    if (button) button.disabled = false;
  }
}

function route(): void {
  const match = /^#\/server\/([^/]+\/[^/]+)$/.exec(location.hash);
  $('list-view').hidden = Boolean(match);
  $('server-view').hidden = !match;
  if (!match) {
    closeServer();
    document.title = 'zenml model servers';
    return;
  }
  const key = decodeURIComponent(match[1]);
  if (openKey() !== key) void openServer(key, showProblem);
  document.title = `${key.split('/')[1].slice(0, 8)} · zenml model servers`;
  if (last) render(last);
  $('server-title').setAttribute('tabindex', '-1');
  $('server-title').focus();
}

async function main(): Promise<void> {
  wireTryIt(showProblem);
  window.addEventListener('hashchange', route);
  // The snapshot stream opens at once; only actions need the session's CSRF token, fetched alongside.
  const events = new EventSource('/api/events');
  events.addEventListener('snapshot', (event) => render(JSON.parse((event as MessageEvent).data) as Snapshot));
  events.onerror = () => ($('live').textContent = 'reconnecting…');
  route();
  await startSession();
}

main().catch((error: unknown) => showProblem((error as Error).message));
