// The console page: plain DOM, data from the local stack's console server (same origin, token in a header).
// Data is always set as text, never as HTML: keys and images may hold anything.
import type {
  ConsoleMessage,
  ConsoleSnapshot,
  DeadLetterActionResult,
  DeadLetterListingView,
  InvocationDetail,
  InvocationView,
  ItemPageView,
  MappingView,
  MetricPoint,
  TableSummaryView,
} from '../console-view.js';

const token = new URLSearchParams(location.search).get('token') ?? '';
const TOKEN_HEADER = 'x-console-token';

type Child = Node | string | number | undefined | null | false;

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) if (value !== undefined) element.setAttribute(name, value);
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    element.append(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
  return element;
}

const byId = (id: string): HTMLElement => document.getElementById(id)!;

async function api<T>(path: string, init: { method?: 'GET' | 'POST'; body?: unknown } = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(path, {
    method: init.method ?? 'GET',
    headers: { [TOKEN_HEADER]: token, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as T };
}

// ---- state ------------------------------------------------------------------------------------
const MAX_INVOCATIONS = 2_000;
let stage = '';
let mappings: MappingView[] = [];
const invocations = new Map<string, InvocationView>();
const metrics = new Map<string, MetricPoint[]>();
let metricsWindow = 600;
let selected: string | undefined;
const deadLetterResults = new Map<string, DeadLetterActionResult>();
const lastActionResults: DeadLetterActionResult[] = [];

const upsert = (list: InvocationView[]) => {
  for (const view of list) invocations.set(view.requestId, view);
  while (invocations.size > MAX_INVOCATIONS) invocations.delete(invocations.keys().next().value as string);
};

// ---- formatting -------------------------------------------------------------------------------
const ms = (value: number | undefined) =>
  value === undefined ? '–' : value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
const clock = (at: number) => new Date(at).toLocaleTimeString([], { hour12: false });
const shortSeq = (seq: string | undefined) => (seq === undefined ? '–' : seq.length > 12 ? `…${seq.slice(-8)}` : seq);
const keyText = (keys: Record<string, unknown>) =>
  Object.entries(keys)
    .map(([name, value]) => {
      const [type, inner] = Object.entries((value ?? {}) as Record<string, unknown>)[0] ?? ['?', ''];
      return `${name}=${typeof inner === 'string' ? inner : JSON.stringify(inner)}${type === 'S' ? '' : ` (${type})`}`;
    })
    .join(', ');

function statusText(view: InvocationView): string {
  switch (view.status) {
    case 'running':
      return 'running';
    case 'ok':
      return view.finalInvokeForWindow ? 'ok (window closed)' : 'ok';
    case 'partial':
      return `partial failure at ${view.failedIndex !== undefined ? `record ${view.failedIndex + 1}` : shortSeq(view.failedAt)}`;
    case 'error':
      return `error ${view.errorType ?? ''}`.trim();
    case 'timeout':
      return 'timeout';
    case 'not-invoked':
      return 'not invoked';
  }
}

function nextText(view: InvocationView): string {
  if (view.deadLetter) return `dead-lettered (${view.deadLetter.condition})`;
  const next = view.next;
  if (!next) return '';
  switch (next.kind) {
    case 'ack':
      return '';
    case 'retry':
      return `retry ${next.retry} of ${next.maxRetries === -1 ? '∞ (until expiry)' : next.maxRetries}`;
    case 'split':
      return next.at === 'failure' ? 'split at the failure' : `split ${next.parts?.[0]} + ${next.parts?.[1]}`;
    case 'deadLetter':
      return 'dead-lettered';
    case 'giveUp':
      return 'given up';
  }
}

function causeText(view: InvocationView): string {
  const cause = view.cause;
  if (!cause) return '';
  if (cause.kind === 'retry') return `retry ${cause.retry} of ${cause.maxRetries === -1 ? '∞' : cause.maxRetries}`;
  return cause.at === 'failure' ? 'after split at failure' : `half ${cause.part}`;
}

// ---- views ------------------------------------------------------------------------------------
function settingRows(m: MappingView): [string, string][] {
  const s = m.settings;
  return [
    ['starting position', s.startingPosition],
    ['batch size', String(s.batchSize)],
    ['batch window', `${s.batchWindowSeconds} s`],
    ['retries', s.maximumRetryAttempts === -1 ? 'until the records expire' : String(s.maximumRetryAttempts)],
    ['max record age', s.maximumRecordAgeInSeconds === -1 ? 'none' : `${s.maximumRecordAgeInSeconds} s`],
    ['bisect on error', s.bisectBatchOnFunctionError ? 'yes' : 'no'],
    ['report item failures', s.reportBatchItemFailures ? 'yes' : 'no'],
    ['parallelization', String(s.parallelizationFactor)],
    ['tumbling window', s.tumblingWindowInSeconds > 0 ? `${s.tumblingWindowInSeconds} s` : 'off'],
    ['filters', s.filterPatterns.length === 0 ? 'none' : s.filterPatterns.map((f) => JSON.stringify(f)).join(' OR ')],
    ['timeout', `${s.functionTimeoutSeconds} s`],
    ['on failure', s.onFailureDestination ? `${s.onFailureDestination} → dead-letter store` : 'dead-letter store'],
    ['images', m.debugImages ? 'shown (LOG_LEVEL debug)' : 'hidden (function not at debug level)'],
  ];
}

function renderMappings(): void {
  const root = byId('view-mappings');
  const cards = mappings.map((m) =>
    h(
      'article',
      { class: 'card', 'data-mapping': m.key },
      h(
        'h2',
        {},
        `${m.functionName} ← ${m.tableName} `,
        h('span', { class: `badge ${m.enabled ? 'ok' : 'off'}`, 'data-enabled': String(m.enabled) }, m.enabled ? 'enabled' : 'disabled'),
      ),
      h(
        'dl',
        {},
        h('dt', {}, 'iterator age'),
        h('dd', { 'data-field': 'iterator-age' }, ms(m.iteratorAgeMs)),
        h('dt', {}, 'records behind'),
        h('dd', { 'data-field': 'records-behind' }, behindText(m)),
        ...settingRows(m).flatMap(([name, value]) => [h('dt', {}, name), h('dd', {}, value)]),
      ),
      h(
        'table',
        {},
        h('tr', {}, h('th', {}, 'shard'), h('th', {}, 'position (checkpoint)'), h('th', {}, 'age'), h('th', {}, 'behind')),
        ...(m.shards.length === 0
          ? [h('tr', {}, h('td', { colspan: '4', class: 'empty' }, 'no shard read yet'))]
          : m.shards.map((s) =>
              h(
                'tr',
                { 'data-shard': s.shardId },
                h('td', { class: 'mono' }, s.shardId, s.finished ? ' (finished)' : ''),
                h('td', { class: 'mono' }, s.position ?? (s.start ? `start: ${s.start}` : '–')),
                h('td', {}, ms(s.iteratorAgeMs)),
                h('td', {}, s.recordsBehind === undefined ? '–' : `${s.recordsBehind}${s.recordsBehindCapped ? '+' : ''}`),
              ),
            )),
      ),
    ),
  );
  root.replaceChildren(
    mappings.length === 0 ? h('p', { class: 'empty' }, 'No function has a stream event.') : h('div', { class: 'cards' }, ...cards),
  );
}

function behindText(m: MappingView): string {
  const counted = m.shards.filter((s) => s.recordsBehind !== undefined);
  if (counted.length === 0) return '–';
  const total = counted.reduce((sum, s) => sum + (s.recordsBehind ?? 0), 0);
  return `${total}${counted.some((s) => s.recordsBehindCapped) ? '+' : ''}`;
}

function nodeOf(view: InvocationView, children: Map<string, InvocationView[]>): HTMLElement {
  const dead = view.deadLetter !== undefined;
  const row = h(
    'div',
    {
      class: `node${selected === view.requestId ? ' selected' : ''}`,
      'data-request-id': view.requestId,
      'data-status': view.status,
      'data-dead-lettered': String(dead),
      ...(view.cause ? { 'data-cause': view.cause.kind === 'retry' ? 'retry' : `split-${view.cause.at}` } : {}),
    },
    h('span', { class: 'time' }, clock(view.at)),
    h('span', { class: `badge ${view.status}` }, statusText(view)),
    view.cause && h('span', { class: 'cause' }, causeText(view)),
    h('span', {}, `${view.batchSize} record${view.batchSize === 1 ? '' : 's'}`),
    h('span', { class: 'seq mono' }, `${shortSeq(view.firstSequenceNumber)}..${shortSeq(view.lastSequenceNumber)}`),
    h('span', {}, `#${view.attempt}`),
    h('span', {}, ms(view.durationMs)),
    view.initDurationMs !== undefined && h('span', { class: 'next' }, `init ${ms(view.initDurationMs)}`),
    nextText(view) && h('span', { class: `next${dead ? ' badge dead' : ''}` }, nextText(view)),
  );
  row.addEventListener('click', (event) => {
    event.stopPropagation();
    void showDetail(view.requestId);
  });
  const kids = (children.get(view.requestId) ?? []).sort((a, b) => a.at - b.at);
  if (kids.length === 0) return row;
  return h('div', {}, row, h('div', { class: 'children' }, ...kids.map((kid) => nodeOf(kid, children))));
}

function renderInvocations(): void {
  const root = byId('timelines');
  const all = [...invocations.values()];
  const sections = mappings.map((m) => {
    const mine = all.filter((view) => view.mappingKey === m.key);
    const present = new Set(mine.map((view) => view.requestId));
    const children = new Map<string, InvocationView[]>();
    const roots: InvocationView[] = [];
    for (const view of mine) {
      if (view.parentRequestId && present.has(view.parentRequestId))
        children.set(view.parentRequestId, [...(children.get(view.parentRequestId) ?? []), view]);
      else roots.push(view);
    }
    roots.sort((a, b) => b.at - a.at);
    return h(
      'section',
      { class: 'timeline', 'data-mapping': m.key },
      h('h2', {}, `${m.functionName} ← ${m.tableName}`),
      roots.length === 0
        ? h('p', { class: 'empty' }, 'No invocation yet.')
        : h(
            'div',
            {},
            ...roots.slice(0, 150).map((view) => h('div', { class: 'tree', 'data-root': view.requestId }, nodeOf(view, children))),
          ),
    );
  });
  root.replaceChildren(...sections);
}

async function showDetail(requestId: string): Promise<void> {
  selected = requestId;
  const panel = byId('detail');
  panel.hidden = false;
  const { status, body } = await api<InvocationDetail & { error?: string }>(`/api/invocations/${encodeURIComponent(requestId)}`);
  if (status !== 200) {
    panel.replaceChildren(h('p', {}, body.error ?? `HTTP ${status}`));
    return;
  }
  const v = body.invocation;
  panel.replaceChildren(
    h('h2', {}, `Invocation ${v.requestId}`),
    h(
      'p',
      {},
      h('span', { class: `badge ${v.status}` }, statusText(v)),
      ' ',
      nextText(v),
      v.errorMessage ? h('pre', {}, v.errorMessage) : null,
      v.notInvokedReason ? h('pre', {}, v.notInvokedReason) : null,
    ),
    h('p', { class: 'mono' }, `shard ${v.shardId}, ${v.firstSequenceNumber ?? '–'}..${v.lastSequenceNumber ?? '–'}`),
    h('h3', {}, `Records (${body.records.length}${body.recordsOmitted ? `, ${body.recordsOmitted} more not kept` : ''})`),
    body.imagesShown ? '' : h('p', { class: 'empty' }, 'Images are shown only when the function runs with LOG_LEVEL=debug.'),
    h(
      'table',
      { id: 'detail-records' },
      h('tr', {}, h('th', {}, '#'), h('th', {}, 'event'), h('th', {}, 'keys'), h('th', {}, 'sequence number')),
      ...body.records.map((record, index) =>
        h(
          'tr',
          { 'data-sequence-number': record.sequenceNumber, 'data-event-name': record.eventName },
          h('td', {}, index + 1),
          h('td', {}, record.eventName),
          h(
            'td',
            { class: 'mono' },
            keyText(record.keys),
            record.newImage ? h('pre', {}, `NewImage ${JSON.stringify(record.newImage, null, 1)}`) : null,
            record.oldImage ? h('pre', {}, `OldImage ${JSON.stringify(record.oldImage, null, 1)}`) : null,
            record.imageOmitted ? h('div', { class: 'empty' }, record.imageOmitted) : null,
          ),
          h('td', { class: 'mono' }, record.sequenceNumber),
        ),
      ),
    ),
    h('h3', {}, `Handler log (${body.logs.length} lines)`),
    h('pre', { id: 'detail-logs' }, body.logs.map((line) => line.line).join('\n') || 'no lines'),
  );
  renderInvocations();
}

async function renderDeadLetters(): Promise<void> {
  const root = byId('view-dead-letters');
  const { status, body } = await api<DeadLetterListingView & { error?: string }>('/api/dead-letters');
  if (status !== 200) {
    root.replaceChildren(h('p', {}, body.error ?? `HTTP ${status}`));
    return;
  }
  const rows = body.rows.map((row) => {
    const result = deadLetterResults.get(row.id);
    const payload = h('pre', { hidden: '', 'data-payload': row.id });
    const act = (action: 'redrive' | 'redrive-from-item' | 'remove') => async (event: Event) => {
      const buttons = (event.target as HTMLElement).closest('td')!.querySelectorAll('button');
      for (const b of buttons) b.disabled = true;
      const path = `/api/dead-letters/${encodeURIComponent(row.id)}/${action === 'remove' ? 'remove' : 'redrive'}`;
      const answer = await api<DeadLetterActionResult>(path, {
        method: 'POST',
        body: action === 'remove' ? {} : { fromItem: action === 'redrive-from-item' },
      });
      deadLetterResults.set(row.id, answer.body);
      lastActionResults.unshift(answer.body);
      lastActionResults.splice(10);
      await renderDeadLetters();
    };
    const show = async () => {
      if (!payload.hidden) return void (payload.hidden = true);
      const entry = await api<unknown>(`/api/dead-letters/${encodeURIComponent(row.id)}`);
      payload.textContent = JSON.stringify(entry.body, null, 2);
      payload.hidden = false;
    };
    const button = (label: string, action: () => void | Promise<void>, attrs: Record<string, string> = {}) => {
      const element = h('button', attrs, label);
      element.addEventListener('click', (event) => void (action as (e: Event) => unknown)(event));
      return element;
    };
    return h(
      'tr',
      { 'data-dead-letter-id': row.id },
      h('td', {}, row.functionName),
      h('td', {}, row.condition),
      h('td', {}, row.error ?? '–'),
      h('td', { class: 'mono' }, row.shardId),
      h('td', { class: 'mono' }, `${row.startSequenceNumber}..${row.endSequenceNumber} (${row.batchSize})`),
      h('td', { class: 'mono' }, row.firstKeys ? `${row.firstEventName} ${keyText(row.firstKeys)}` : (row.firstKeysProblem ?? '–')),
      h('td', {}, new Date(row.time).toLocaleString([], { hour12: false })),
      h(
        'td',
        {},
        button('Payload', show, { 'data-action': 'payload' }),
        button('Redrive', act('redrive') as never, { 'data-action': 'redrive' }),
        button('Redrive from item', act('redrive-from-item') as never, { 'data-action': 'redrive-from-item' }),
        button('Remove', act('remove') as never, { 'data-action': 'remove', class: 'danger' }),
        result &&
          h(
            'div',
            { class: `result ${result.ok ? 'ok' : 'failed'}`, 'data-result': result.ok ? 'ok' : 'failed' },
            result.ok ? result.message : `${result.errorName}: ${result.message}`,
          ),
        payload,
      ),
    );
  });
  const done = lastActionResults.filter((result) => result.ok && !body.rows.some((row) => row.id === result.id));
  root.replaceChildren(
    h('h2', {}, `Dead letters (${body.rows.length})`),
    body.rows.length === 0
      ? h('p', { class: 'empty', 'data-empty': 'dead-letters' }, 'The dead-letter store is empty.')
      : h(
          'table',
          { id: 'dead-letter-table' },
          h(
            'tr',
            {},
            ...['function', 'condition', 'error', 'shard', 'sequence range', 'first record', 'time', ''].map((name) => h('th', {}, name)),
          ),
          ...rows,
        ),
    ...done.map((result) =>
      h('p', { class: 'result ok', 'data-result': 'ok', 'data-dead-letter-result': result.id }, `${result.id}: ${result.message}`),
    ),
    ...body.unreadable.map((file) => h('p', { class: 'result failed' }, `Unreadable file ${file.file}: ${file.reason}`)),
  );
}

function chart(title: string, points: MetricPoint[], value: (p: MetricPoint) => number | undefined, unit: string): HTMLElement {
  const width = 600;
  const height = 120;
  const values = points.map((p) => value(p) ?? 0);
  const max = Math.max(1, ...values);
  const step = points.length > 1 ? width / (points.length - 1) : width;
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute(
    'points',
    values.map((v, i) => `${(i * step).toFixed(1)},${(height - 4 - (v / max) * (height - 16)).toFixed(1)}`).join(' '),
  );
  const axis = document.createElementNS('http://www.w3.org/2000/svg', 'line');
  for (const [name, v] of Object.entries({ x1: 0, y1: height - 4, x2: width, y2: height - 4 })) axis.setAttribute(name, String(v));
  axis.setAttribute('class', 'axis');
  svg.append(axis, line);
  // The scale goes in the heading: text inside a stretched SVG would be stretched too.
  const heading = `${title}, last ${Math.round(points.length / 60)} min (top: ${Math.round(max)} ${unit})`;
  return h('div', { class: 'chart', 'data-chart': title }, h('h3', {}, heading), svg);
}

function renderCharts(): void {
  const root = byId('view-charts');
  root.replaceChildren(
    ...mappings.map((m) => {
      const points = metrics.get(m.key) ?? [];
      return h(
        'section',
        { 'data-mapping': m.key },
        h('h2', {}, `${m.functionName} ← ${m.tableName}`),
        h(
          'div',
          { class: 'charts' },
          chart('records per second', points, (p) => p.records, 'rec/s'),
          chart('invocation duration (max)', points, (p) => p.durationMsMax, 'ms'),
          chart('iterator age (max)', points, (p) => p.iteratorAgeMsMax, 'ms'),
        ),
      );
    }),
  );
}

async function renderTables(table?: string, startKey?: string): Promise<void> {
  const root = byId('view-tables');
  const list = await api<TableSummaryView[]>('/api/tables');
  const links = h(
    'div',
    {},
    h('h2', {}, 'Tables (read-only)'),
    h(
      'table',
      {},
      ...list.body.map((t) => {
        const link = h('a', { class: 'table-link', 'data-table': t.name }, t.name);
        link.addEventListener('click', () => void renderTables(t.name));
        return h('tr', {}, h('td', {}, link), h('td', {}, t.keys.join(', ')), h('td', {}, t.stream ? `stream ${t.stream}` : ''));
      }),
    ),
  );
  let items: Node = h('p', { class: 'empty' }, 'Choose a table.');
  if (table) {
    const query = startKey ? `?startKey=${encodeURIComponent(startKey)}` : '';
    const page = await api<ItemPageView & { error?: string }>(`/api/tables/${encodeURIComponent(table)}/items${query}`);
    const next = page.body.nextStartKey;
    const more = next ? h('button', {}, 'Next page') : null;
    more?.addEventListener('click', () => void renderTables(table, next));
    items = h(
      'div',
      { 'data-items-of': table },
      h('h2', {}, `${table}: ${page.body.items?.length ?? 0} item(s)${startKey ? ' (next page)' : ''}`),
      page.status !== 200
        ? h('p', {}, page.body.error ?? '')
        : h('div', {}, ...(page.body.items ?? []).map((item) => h('pre', {}, JSON.stringify(item)))),
      more,
    );
  }
  root.replaceChildren(h('div', { class: 'split' }, links, items));
}

// ---- routing and live updates -------------------------------------------------------------------
const views = ['mappings', 'invocations', 'dead-letters', 'charts', 'tables'] as const;
const current = () => ((views as readonly string[]).includes(location.hash.slice(1)) ? location.hash.slice(1) : 'mappings');

function render(): void {
  const view = current();
  for (const name of views) byId(`view-${name}`).classList.toggle('active', name === view);
  for (const a of document.querySelectorAll<HTMLAnchorElement>('#tabs a')) a.classList.toggle('active', a.dataset.view === view);
  if (view === 'mappings') renderMappings();
  if (view === 'invocations') renderInvocations();
  if (view === 'dead-letters') void renderDeadLetters();
  if (view === 'charts') renderCharts();
  if (view === 'tables') void renderTables();
}

let pending = false;
const renderSoon = (only?: string) => {
  if (only !== undefined && current() !== only) return;
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    const view = current();
    if (view === 'mappings') renderMappings();
    if (view === 'invocations') renderInvocations();
    if (view === 'charts') renderCharts();
  });
};

function applySnapshot(snapshot: ConsoleSnapshot): void {
  stage = snapshot.stage;
  byId('stage').textContent = `stage ${stage}`;
  mappings = snapshot.mappings;
  invocations.clear();
  upsert(snapshot.invocations);
  metricsWindow = snapshot.metricsWindowSeconds;
  metrics.clear();
  for (const [key, points] of Object.entries(snapshot.metrics)) metrics.set(key, points);
  render();
}

function addPoints(points: Record<string, MetricPoint>): void {
  for (const [key, point] of Object.entries(points)) {
    const series = (metrics.get(key) ?? []).filter((p) => p.t !== point.t);
    const last = series[series.length - 1];
    // Seconds the server did not send (a busy tick) are seconds without activity.
    for (let t = (last?.t ?? point.t - 1) + 1; t < point.t; t += 1) series.push({ t, records: 0, invocations: 0 });
    series.push(point);
    metrics.set(key, series.slice(-metricsWindow));
  }
}

function connect(): void {
  const connection = byId('connection');
  const events = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
  const on = <T extends ConsoleMessage['type']>(type: T, handle: (message: Extract<ConsoleMessage, { type: T }>) => void) =>
    events.addEventListener(type, (event) =>
      handle(JSON.parse((event as MessageEvent<string>).data) as Extract<ConsoleMessage, { type: T }>),
    );
  on('snapshot', (message) => {
    connection.dataset.state = 'live';
    connection.textContent = 'live';
    applySnapshot(message.snapshot);
  });
  on('invocations', (message) => {
    upsert(message.invocations);
    renderSoon('invocations');
  });
  on('mappings', (message) => {
    mappings = message.mappings;
    renderSoon('mappings');
  });
  on('metrics', (message) => {
    addPoints(message.points);
    renderSoon('charts');
  });
  on('deadLetters', () => {
    if (current() === 'dead-letters') void renderDeadLetters();
  });
  events.onerror = () => {
    connection.dataset.state = 'lost';
    connection.textContent = token ? 'reconnecting…' : 'no token: open the URL the ready banner prints';
  };
}

window.addEventListener('hashchange', render);
document.addEventListener('DOMContentLoaded', () => {
  render();
  connect();
});
