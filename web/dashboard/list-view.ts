// The table of every server, updated in place (rows keyed by deployer/uuid, so keyboard focus survives updates).
import { modelLabel, num, percent, replicasLabel, uptime } from './format.js';
import type { Row } from './types.js';

const COLUMNS = ['state', 'model', 'flavor', 'deployer', 'rps', 'p50', 'p99', 'errors', 'batch', 'replicas', 'uptime', 'url'] as const;
type Column = (typeof COLUMNS)[number];

const rows = new Map<string, { tr: HTMLTableRowElement; cells: Record<Column, HTMLTableCellElement>; link: HTMLAnchorElement }>();

/** Link to a server's own view. */
export function serverHref(key: string): string {
  return `#/server/${key}`;
}

/** A state badge: its text is the state, its colour a class; the reason of an error follows it. */
export function stateBadge(cell: HTMLElement, row: Row): void {
  const badge = document.createElement('span');
  badge.className = `state state-${row.state}`;
  badge.textContent = row.state;
  const children: Node[] = [badge];
  if (row.reason && row.state === 'error') {
    const reason = document.createElement('span');
    reason.className = 'reason';
    reason.textContent = row.reason;
    children.push(reason);
  }
  cell.replaceChildren(...children);
}

/** Replicas and traffic, the resource's conditions below them (seldon, kserve). */
function replicasCell(cell: HTMLElement, row: Row): void {
  const label = document.createElement('span');
  label.className = 'replicas';
  label.textContent = replicasLabel(row);
  const children: Node[] = [label];
  if (row.kubernetes?.conditions) {
    const conditions = document.createElement('span');
    conditions.className = 'conditions';
    conditions.textContent = row.kubernetes.conditions;
    children.push(conditions);
  }
  cell.replaceChildren(...children);
}

/** Bring the table in line with the snapshot's rows. */
export function renderList(body: HTMLTableSectionElement, list: Row[], now: number): void {
  const seen = new Set<string>();
  list.forEach((row, index) => {
    seen.add(row.key);
    let entry = rows.get(row.key);
    if (!entry) {
      const tr = document.createElement('tr');
      tr.dataset.key = row.key;
      const cells = {} as Record<Column, HTMLTableCellElement>;
      for (const column of COLUMNS) {
        const cell = document.createElement(column === 'model' ? 'th' : 'td');
        if (column === 'model') cell.setAttribute('scope', 'row');
        cell.className = `col-${column}`;
        if (['rps', 'p50', 'p99', 'errors', 'batch'].includes(column)) cell.classList.add('num');
        cells[column] = cell;
        tr.append(cell);
      }
      const link = document.createElement('a');
      link.href = serverHref(row.key);
      cells.model.append(link);
      entry = { tr, cells, link };
      rows.set(row.key, entry);
    }
    const { tr, cells, link } = entry;
    if (body.children[index] !== tr) body.insertBefore(tr, body.children[index] ?? null);
    tr.dataset.state = row.state;
    stateBadge(cells.state, row);
    link.textContent = modelLabel(row);
    link.title = row.modelUri;
    cells.flavor.textContent = row.flavor;
    cells.deployer.textContent = row.deployer;
    const m = row.metrics;
    cells.rps.textContent = m ? num(m.requestsPerSecond) : '–';
    cells.p50.textContent = num(m?.p50Ms);
    cells.p99.textContent = num(m?.p99Ms);
    cells.errors.textContent = percent(m?.errorRate);
    cells.batch.textContent = num(m?.meanBatch);
    replicasCell(cells.replicas, row);
    cells.uptime.textContent = uptime(row, now);
    cells.url.textContent = row.predictionUrl;
  });
  for (const [key, entry] of rows) {
    if (!seen.has(key)) {
      entry.tr.remove();
      rows.delete(key);
    }
  }
}
