/* loadd's web UI: the runs, a run live, a scenario's trend, a comparison.
 * Plain JS on the daemon's own API; charts are Chart.js (Debian's
 * libjs-chart.js). With a token the page asks for it once, keeps it in
 * session storage and sends it in the Authorization header only (the
 * event stream is read with fetch, never EventSource with the token in a
 * URL). */
'use strict';

const $ = (sel, el) => (el || document).querySelector(sel);
const main = $('#main');
const palette = ['#2563eb', '#16a34a', '#9333ea', '#ea580c', '#0891b2',
  '#ca8a04', '#db2777', '#4b5563', '#0d9488', '#7c3aed'];
const finalStatus = ['completed', 'stopped', 'aborted', 'failed',
  'interrupted'];
let cleanup = [];		/* what the current page must undo on leave */

/* ---- helpers ---- */

function esc(s) {
  return String(s == null ? '' : s).replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  })[c]);
}

function num(v, digits) {
  if (v == null || Number.isNaN(v)) return '–';
  if (digits == null) digits = Math.abs(v) >= 100 ? 0 : 2;
  return Number(v).toLocaleString('en-US', {
    minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function when(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return d.toLocaleString('en-GB', { year: 'numeric', month: 'short',
    day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

function toast(msg, bad) {
  const t = $('#toast');
  t.textContent = msg;
  t.className = 'toast' + (bad ? ' bad' : '');
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 5000);
}

function badge(status, live) {
  return '<span class="badge ' + esc(status) + (live ? ' live' : '') + '">' +
    esc(status) + '</span>';
}

function labelsHtml(labels) {
  if (!labels || typeof labels !== 'object') return '';
  return '<span class="labels">' + Object.keys(labels).map((k) =>
    '<code>' + esc(k) + '=' + esc(labels[k]) + '</code>').join('') + '</span>';
}

/* ---- the API, with the token ---- */

function token() { return sessionStorage.getItem('loadd-token'); }

let asking = null;
function askToken(wrong) {
  if (asking) return asking;
  const dlg = $('#token-dialog');
  $('#token-error').textContent = wrong ? 'That token was refused.' : '';
  asking = new Promise((resolve) => {
    $('#token-form').onsubmit = () => {
      sessionStorage.setItem('loadd-token', $('#token-input').value);
      $('#token-input').value = '';
      asking = null;
      resolve();
    };
  });
  dlg.showModal();
  return asking;
}

async function api(path, opts) {
  opts = opts || {};
  for (;;) {
    const headers = Object.assign({}, opts.headers || {});
    if (token()) headers.Authorization = 'Bearer ' + token();
    let body = opts.body;
    if (body !== undefined && typeof body !== 'string') {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(body);
    }
    const r = await fetch(path, { method: opts.method || 'GET', headers,
      body, signal: opts.signal });
    if (r.status !== 401) return r;
    await askToken(token() != null);
  }
}

async function getJson(path, opts) {
  const r = await api(path, opts);
  let body = null;
  try { body = await r.json(); } catch (e) { /* no body */ }
  if (!r.ok) {
    throw new Error(body && body.error ? body.error.message :
      r.status + ' ' + r.statusText);
  }
  return body;
}

/*
 * Follow a run's event stream from lastId on, reconnecting with
 * Last-Event-ID after a drop, until "end" or until signal aborts.
 */
async function follow(path, lastId, onEvent, signal) {
  for (;;) {
    let r;
    try {
      const headers = {};
      if (lastId != null) headers['Last-Event-ID'] = String(lastId);
      r = await api(path, { headers, signal });
    } catch (e) {
      if (signal.aborted) return;
      await sleep(2000);
      continue;
    }
    if (!r.ok) throw new Error('events: ' + r.status);
    const reader = r.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    let ended = false;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let ev = 'message';
          const data = [];
          for (const line of block.split('\n')) {
            if (line === '' || line[0] === ':') continue;
            const c = line.indexOf(':');
            const k = c < 0 ? line : line.slice(0, c);
            let v = c < 0 ? '' : line.slice(c + 1);
            if (v[0] === ' ') v = v.slice(1);
            if (k === 'event') ev = v;
            else if (k === 'data') data.push(v);
            else if (k === 'id') lastId = Number(v);
          }
          if (data.length) onEvent(ev, JSON.parse(data.join('\n')));
          if (ev === 'end') ended = true;
        }
      }
    } catch (e) {
      if (signal.aborted) return;
    }
    if (ended || signal.aborted) return;
    await sleep(1000);
  }
}

/* ---- charts ---- */

function lineChart(canvas, yTitle, opts) {
  opts = opts || {};
  const chart = new Chart(canvas, {
    type: 'line',
    data: { datasets: [] },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false,
      parsing: false, normalized: true, spanGaps: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      elements: { point: { radius: 0, hitRadius: 6 }, line: {
        borderWidth: 1.6, tension: 0 } },
      scales: {
        x: { type: 'linear', title: { display: true,
          text: opts.xTitle || 'seconds' }, ticks: { precision: 0 } },
        y: { beginAtZero: true, title: { display: true, text: yTitle } },
      },
      plugins: { legend: { labels: { boxWidth: 12 } },
        tooltip: opts.tooltip || {} },
      onClick: opts.onClick,
    },
  });
  cleanup.push(() => chart.destroy());
  return chart;
}

/* The dataset called label of chart, made when first asked for. */
function series(chart, label, style) {
  let ds = chart.data.datasets.find((d) => d.label === label);
  if (!ds) {
    const color = palette[chart.data.datasets.length % palette.length];
    ds = Object.assign({ label, data: [], borderColor: color,
      backgroundColor: color }, style || {});
    chart.data.datasets.push(ds);
  }
  return ds;
}

/* Redraw the charts at most once a frame (a replay brings many events). */
function redrawer(charts) {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      charts.forEach((c) => c.update('none'));
    });
  };
}

/* ---- pages ---- */

async function pageRuns() {
  main.innerHTML = '<h1>Runs</h1><p class="meta">The newest 100 runs, ' +
    'updated every 2 seconds. Tick two runs to compare them.</p>' +
    '<div class="controls"><button id="cmp" disabled>Compare ' +
    'selected</button></div><div class="card tablecard"><table id="runs">' +
    '</table></div>';
  const picked = new Set();
  $('#cmp').onclick = () => {
    const [a, b] = [...picked].sort((x, y) => x - y);
    location.hash = '#/compare/' + a + '/' + b;
  };
  const draw = async () => {
    let list;
    try {
      list = (await getJson('/v1/runs?limit=100')).runs;
    } catch (e) {
      $('#runs').innerHTML = '<tr><td class="error">' + esc(e.message) +
        '</td></tr>';
      return;
    }
    const rows = list.map((r) => {
      const live = r.status === 'running' || r.status === 'queued';
      return '<tr><td><input type="checkbox" data-id="' + r.id + '"' +
        (picked.has(r.id) ? ' checked' : '') + '></td>' +
        '<td><a href="#/runs/' + r.id + '">#' + r.id + '</a></td>' +
        '<td><a href="#/scenarios/' + encodeURIComponent(r.scenario) +
        '">' + esc(r.scenario) + '</a></td><td>' + badge(r.status, live) +
        '</td><td>' + (r.passed == null ? '' : badge(r.passed ? 'pass' :
        'fail')) + '</td><td>' + when(r.started_at) + '</td>' +
        '<td class="n">' + num(r.duration_s, 1) + '</td><td class="n">' +
        num(r.total_requests, 0) + '</td><td class="n">' +
        num(r.throughput_rps, 1) + '</td><td class="n">' +
        num(r.p95_ms) + '</td><td>' + labelsHtml(r.labels) +
        '</td></tr>';
    });
    $('#runs').innerHTML = '<tr><th></th><th>run</th><th>scenario</th>' +
      '<th>status</th><th>result</th><th>started</th><th class="n">s</th>' +
      '<th class="n">requests</th><th class="n">req/s</th>' +
      '<th class="n">p95 ms</th><th>labels</th></tr>' + (rows.join('') ||
      '<tr><td colspan="11" class="muted">No runs yet: start one with ' +
      '<code>loadctl run FILE</code>.</td></tr>');
    document.querySelectorAll('#runs input[type=checkbox]').forEach((cb) => {
      cb.onchange = () => {
        const id = Number(cb.dataset.id);
        if (cb.checked) picked.add(id); else picked.delete(id);
        $('#cmp').disabled = picked.size !== 2;
      };
    });
  };
  await draw();
  const timer = setInterval(draw, 2000);
  cleanup.push(() => clearInterval(timer));
}

function tile(k, id) {
  return '<div class="tile"><div class="k">' + k + '</div><div class="v" id="' +
    id + '">–</div></div>';
}

async function pageRun(id) {
  const run = await getJson('/v1/runs/' + id);
  const abort = new AbortController();
  cleanup.push(() => abort.abort());
  main.innerHTML = '<h1>Run #' + run.id + ' <span id="status"></span>' +
    '<span id="passed"></span></h1><div class="meta"><span>scenario ' +
    '<a href="#/scenarios/' + encodeURIComponent(run.scenario) + '">' +
    esc(run.scenario) + '</a></span><span>started ' + when(run.started_at) +
    '</span><span id="reason" hidden></span>' + (Object.keys(run.labels ||
    {}).length ? '<span>' + labelsHtml(run.labels) + '</span>' : '') +
    '</div><div class="controls" id="controls"><button id="pause">Pause' +
    '</button><button id="resume">Resume</button><label>VUs <input ' +
    'class="num" id="vus" type="number" min="0"></label><button id="setvus">' +
    'Set</button><label>rate/s <input class="num" id="rate" type="number" ' +
    'min="0" step="any"></label><button id="setrate">Set</button><button ' +
    'class="danger" id="stop">Stop</button></div><div class="tiles">' +
    tile('elapsed', 't-elapsed') + tile('requests', 't-requests') +
    tile('req/s (last second)', 't-rps') + tile('errors', 't-errors') +
    tile('p95 ms (last second)', 't-p95') + tile('VUs', 't-vus') +
    '</div><div class="grid">' +
    '<div class="card"><h2>Throughput</h2><div class="chart"><canvas ' +
    'id="c-rps"></canvas></div></div>' +
    '<div class="card"><h2>Latency</h2><div class="chart"><canvas ' +
    'id="c-lat"></canvas></div></div>' +
    '<div class="card"><h2>Errors by kind <span class="muted" ' +
    'id="noerr">— none</span></h2><div class="chart"><canvas ' +
    'id="c-err"></canvas></div></div>' +
    '<div class="card"><h2>Virtual users</h2><div class="chart"><canvas ' +
    'id="c-vus"></canvas></div></div></div><div id="shards"></div>' +
    '<div id="after"></div>';
  /* Shards (SPEC 16): a merged run has parts; a shard names its collector. */
  if (run.shard) {
    $('.meta').insertAdjacentHTML('beforeend', '<span>shard ' +
      esc(run.shard) + ' of execution ' + esc(run.execution) +
      ', merged at ' + esc(run.collector) + '</span>');
  }
  const showParts = (doc) => {
    const rows = (doc.parts || []).map((p) => '<tr><td class="n">' +
      p.shard + '</td><td>' + esc(p.host || '—') + '</td><td>' +
      badge(p.status, p.status === 'running') + '</td><td class="n">' +
      num(p.requests, 0) + '</td><td class="n">' + num(p.last_second, 0) +
      '</td><td>' + esc(p.reason || '') + '</td></tr>').join('');
    const warn = (doc.warnings || []).map((w) => '<li>' + esc(w) +
      '</li>').join('');
    $('#shards').innerHTML = '<div class="section card tablecard"><h2>' +
      'Shards of execution ' + esc(doc.execution) + (doc.start_spread_ms !=
      null ? ' <span class="muted">— started within ' +
      num(doc.start_spread_ms, 0) + ' ms</span>' : '') + '</h2><table><tr>' +
      '<th class="n">shard</th><th>host</th><th>status</th><th class="n">' +
      'requests</th><th class="n">last second</th><th>reason</th></tr>' +
      rows + '</table>' + (warn ? '<ul class="warnings">' + warn + '</ul>' :
      '') + '</div>';
  };
  if (run.parts) {
    /* A merged run is steered through its shards: only Stop applies. */
    document.querySelectorAll('#controls label, #pause, #resume, #setvus, ' +
      '#setrate').forEach((e) => { e.hidden = true; });
    showParts(run);
    const timer = setInterval(async () => {
      try {
        const doc = await getJson('/v1/runs/' + id);
        showParts(doc);
        if (doc.status !== 'running') clearInterval(timer);
      } catch (e) { clearInterval(timer); }
    }, 2000);
    cleanup.push(() => clearInterval(timer));
  }

  const rps = lineChart($('#c-rps'), 'requests / s');
  const lat = lineChart($('#c-lat'), 'ms');
  const vus = lineChart($('#c-vus'), 'VUs');
  const err = new Chart($('#c-err'), {
    type: 'bar', data: { labels: [], datasets: [{ label: 'errors',
      data: [], backgroundColor: '#dc2626' }] },
    options: { animation: false, responsive: true,
      maintainAspectRatio: false, plugins: { legend: { display: false } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  cleanup.push(() => err.destroy());
  const redraw = redrawer([rps, lat, vus, err]);
  const errRate = { borderColor: '#dc2626', backgroundColor: '#dc2626',
    borderDash: [4, 3] };

  const setKinds = (kinds) => {
    const names = Object.keys(kinds || {});
    err.data.labels = names;
    err.data.datasets[0].data = names.map((k) => kinds[k]);
    $('#noerr').hidden = names.length > 0;
  };
  const setStatus = (status, paused) => {
    const s = paused && status === 'running' ? 'paused' : status;
    $('#status').innerHTML = badge(s, status === 'running' && !paused);
    const live = status === 'running';
    document.querySelectorAll('#controls button, #controls input')
      .forEach((b) => { b.disabled = !live; });
  };
  setStatus(run.status, run.progress && run.progress.paused);

  const onEvent = (ev, d) => {
    if (ev === 'progress') {
      const p = d.progress || {};
      const x = d.second;
      series(rps, 'all requests').data.push({ x, y: p.rps });
      for (const r of d.requests || []) {
        series(rps, r.name).data.push({ x, y: r.requests });
        series(lat, r.name + ' p95', { borderDash: [5, 3] }).data.push(
          { x, y: r.p95_ms });
      }
      series(rps, 'errors', errRate).data.push({ x, y: (d.requests || [])
        .reduce((a, r) => a + r.errors, 0) });
      series(lat, 'p50', { borderColor: '#16a34a',
        backgroundColor: '#16a34a', borderWidth: 2.2 }).data.push(
        { x, y: p.p50_ms });
      series(lat, 'p95', { borderColor: '#ea580c',
        backgroundColor: '#ea580c', borderWidth: 2.2 }).data.push(
        { x, y: p.p95_ms });
      series(lat, 'p99', { borderColor: '#dc2626',
        backgroundColor: '#dc2626', borderWidth: 2.2 }).data.push(
        { x, y: p.p99_ms });
      series(vus, 'VUs').data.push({ x, y: p.vus });
      if (p.errors_by_kind) setKinds(p.errors_by_kind);
      $('#t-elapsed').textContent = num(p.elapsed_s, 0) + ' s' +
        (p.duration_s ? ' / ' + num(p.duration_s, 0) + ' s' : '');
      $('#t-requests').textContent = num(p.requests, 0);
      $('#t-rps').textContent = num(p.rps, 0);
      $('#t-errors').textContent = num(p.errors, 0);
      $('#t-p95').textContent = num(p.p95_ms);
      $('#t-vus').textContent = num(p.vus, 0);
      if (p.paused != null) setStatus('running', p.paused);
      redraw();
    } else if (ev === 'end') {
      setStatus(d.status, false);
      ended(d);
    } else if (ev === 'skip') {
      toast('This page fell behind: seconds ' + d.from + '–' + d.to +
        ' are left out of the charts.', true);
    }
  };

  const ended = async (d) => {
    $('#passed').innerHTML = d.passed == null ? '' : badge(d.passed ?
      'pass' : 'fail');
    if (d.reason) {
      $('#reason').textContent = d.reason;
      $('#reason').hidden = false;
    }
    const s = d.summary || {};
    /* SPEC 18: the protocol the run spoke, and its waits for a stream. */
    if (s.protocol && !$('#proto')) {
      $('.meta').insertAdjacentHTML('beforeend', '<span id="proto">' +
        esc(s.protocol) + (s.stream_waits != null ? ', ' +
        num(s.stream_waits, 0) + ' stream waits' : '') + '</span>');
    }
    const kinds = {};
    for (const e of s.errors || []) kinds[e.kind] = (kinds[e.kind] || 0) +
      e.count;
    setKinds(kinds);
    redraw();
    const th = (s.thresholds || []).map((t) => '<tr><td><code>' +
      esc(t.rule) + '</code></td><td class="n">' + num(t.actual) +
      '</td><td>' + badge(t.passed ? 'pass' : 'fail') + '</td><td>' +
      esc(t.note || '') + '</td></tr>').join('');
    $('#after').innerHTML = '<div class="section card tablecard"><h2>' +
      'Thresholds</h2><table><tr><th>rule</th><th class="n">actual</th>' +
      '<th>verdict</th><th>note</th></tr>' + (th || '<tr><td colspan="4" ' +
      'class="muted">No thresholds.</td></tr>') + '</table></div>' +
      '<div class="section"><h2>Report</h2><iframe class="report" ' +
      'title="report" sandbox id="report"></iframe></div>';
    try {
      const r = await api('/v1/runs/' + id + '/report?format=html');
      if (r.ok) $('#report').srcdoc = await r.text();
    } catch (e) { /* the charts above remain */ }
  };

  const patch = async (body) => {
    try {
      const doc = await getJson('/v1/runs/' + id, { method: 'PATCH', body });
      setStatus(doc.status, doc.progress && doc.progress.paused);
    } catch (e) { toast(e.message, true); }
  };
  $('#pause').onclick = () => patch({ paused: true });
  $('#resume').onclick = () => patch({ paused: false });
  $('#setvus').onclick = () => patch({ vus: Number($('#vus').value) });
  $('#setrate').onclick = () => patch({ rate: Number($('#rate').value) });
  $('#stop').onclick = async () => {
    try {
      await getJson('/v1/runs/' + id + '/stop', { method: 'POST' });
      toast('Stopping run #' + id);
    } catch (e) { toast(e.message, true); }
  };

  /* From the first second: the history comes back on a reload. */
  follow('/v1/runs/' + id + '/events', -1, onEvent, abort.signal)
    .catch((e) => toast(e.message, true));
}

async function pageScenario(name) {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const label = params.get('label') || '';
  const limit = params.get('limit') || '30';
  main.innerHTML = '<h1>Scenario ' + esc(name) + '</h1><div class="meta">' +
    'Its last ended runs, oldest first; a point is a run (click it to ' +
    'open the run), a triangle a run a baseline names.</div>' +
    '<form class="filters" id="f"><label>label <input id="label" ' +
    'placeholder="git=abc123" value="' + esc(label) + '"></label><label>' +
    'runs <input class="num" id="limit" type="number" min="1" max="1000" ' +
    'value="' + esc(limit) + '"></label><button>Apply</button></form>' +
    '<div class="grid"><div class="card"><h2>Latency</h2><div ' +
    'class="chart"><canvas id="c-lat"></canvas></div></div><div ' +
    'class="card"><h2>Throughput</h2><div class="chart"><canvas ' +
    'id="c-rps"></canvas></div></div><div class="card"><h2>Error rate' +
    '</h2><div class="chart"><canvas id="c-err"></canvas></div></div>' +
    '</div><div class="section card tablecard"><table id="t"></table></div>';
  $('#f').onsubmit = (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    if ($('#label').value) q.set('label', $('#label').value);
    q.set('limit', $('#limit').value || '30');
    location.hash = '#/scenarios/' + encodeURIComponent(name) + '?' + q;
  };
  const q = new URLSearchParams({ limit });
  if (label) q.set('label', label);
  const doc = await getJson('/v1/scenarios/' + encodeURIComponent(name) +
    '/trend?' + q);
  const runs = doc.runs;
  const open = (chart) => (evt, els) => {
    if (!els.length) return;
    const p = chart().data.datasets[els[0].datasetIndex].data[els[0].index];
    location.hash = '#/runs/' + p.run;
  };
  const tip = { callbacks: { title: (items) => {
    const p = items[0].raw;
    return 'run #' + p.run + (p.base.length ? ' (baseline ' +
      p.base.join(', ') + ')' : '');
  } } };
  let latC, rpsC, errC;
  latC = lineChart($('#c-lat'), 'ms', { xTitle: 'run', tooltip: tip,
    onClick: open(() => latC) });
  rpsC = lineChart($('#c-rps'), 'requests / s', { xTitle: 'run',
    tooltip: tip, onClick: open(() => rpsC) });
  errC = lineChart($('#c-err'), '% failed', { xTitle: 'run', tooltip: tip,
    onClick: open(() => errC) });
  const pts = (key) => runs.map((r) => ({ x: r.run_id, y: r[key],
    run: r.run_id, base: r.baselines }));
  const marked = (data) => ({
    pointRadius: data.map((p) => (p.base.length ? 7 : 3)),
    pointStyle: data.map((p) => (p.base.length ? 'triangle' : 'circle')),
  });
  [['p50', 'p50_ms', '#16a34a'], ['p95', 'p95_ms', '#ea580c'],
    ['p99', 'p99_ms', '#dc2626']].forEach(([l, k, c]) => {
    const data = pts(k);
    series(latC, l, Object.assign({ data, borderColor: c,
      backgroundColor: c }, marked(data)));
  });
  let data = pts('throughput_rps');
  series(rpsC, 'throughput', Object.assign({ data }, marked(data)));
  data = pts('error_rate_pct');
  series(errC, 'error rate', Object.assign({ data, borderColor: '#dc2626',
    backgroundColor: '#dc2626' }, marked(data)));
  [latC, rpsC, errC].forEach((c) => c.update('none'));
  $('#t').innerHTML = '<tr><th>run</th><th>started</th><th>status</th>' +
    '<th class="n">p50</th><th class="n">p95</th><th class="n">p99</th>' +
    '<th class="n">req/s</th><th class="n">errors %</th><th>baselines</th>' +
    '<th>labels</th></tr>' + runs.slice().reverse().map((r) => '<tr><td>' +
    '<a href="#/runs/' + r.run_id + '">#' + r.run_id + '</a></td><td>' +
    when(r.started_at) + '</td><td>' + badge(r.status) + '</td><td ' +
    'class="n">' + num(r.p50_ms) + '</td><td class="n">' + num(r.p95_ms) +
    '</td><td class="n">' + num(r.p99_ms) + '</td><td class="n">' +
    num(r.throughput_rps, 1) + '</td><td class="n">' +
    num(r.error_rate_pct, 2) + '</td><td>' + esc(r.baselines.join(', ')) +
    '</td><td>' + labelsHtml(r.labels) + '</td></tr>').join('');
  if (!runs.length) {
    $('#t').innerHTML += '<tr><td colspan="10" class="muted">No ended run ' +
      'of this scenario' + (label ? ' with label ' + esc(label) : '') +
      '.</td></tr>';
  }
}

async function pageCompare(a, b) {
  const [ra, rb, c] = await Promise.all([getJson('/v1/runs/' + a),
    getJson('/v1/runs/' + b), getJson('/v1/runs/' + b + '/compare?run=' +
    a)]);
  const side = (r) => {
    const o = (r.summary || {}).overall || {};
    return '<div class="card"><h2><a href="#/runs/' + r.id + '">Run #' +
      r.id + '</a> ' + badge(r.status) + '</h2><div class="meta"><span>' +
      esc(r.scenario) + '</span><span>' + when(r.started_at) + '</span>' +
      '</div><table><tr><td>requests</td><td class="n">' +
      num(o.total_requests, 0) + '</td></tr><tr><td>req/s</td><td ' +
      'class="n">' + num(o.throughput_rps, 1) + '</td></tr><tr><td>p50 ms' +
      '</td><td class="n">' + num(o.median_latency_ms) + '</td></tr><tr>' +
      '<td>p95 ms</td><td class="n">' + num(o.p95_latency_ms) + '</td></tr>' +
      '<tr><td>p99 ms</td><td class="n">' + num(o.p99_latency_ms) +
      '</td></tr><tr><td>errors %</td><td class="n">' +
      num(o.total_requests ? 100 * o.failed_requests / o.total_requests :
        null, 2) + '</td></tr></table>' +
      labelsHtml(r.labels) + '</div>';
  };
  main.innerHTML = '<h1>Run #' + b + ' against run #' + a + ' ' +
    badge(c.passed ? 'pass' : 'regressed') + '</h1><div class="meta">' +
    'Run #' + a + ' is the baseline; a metric regressed when it is worse ' +
    'beyond its tolerance and beyond the noise of the two runs.</div>' +
    '<div class="grid">' + side(ra) + side(rb) + '</div><div ' +
    'class="section card tablecard"><table><tr><th>request</th><th>' +
    'metric</th><th class="n">#' + a + '</th><th class="n">#' + b +
    '</th><th class="n">change %</th><th>verdict</th><th>note</th></tr>' +
    (c.metrics || []).map((m) => '<tr><td>' + (m.request === '*' ?
    '<i>all</i>' : esc(m.request)) + '</td><td>' +
    esc(m.metric) + '</td><td class="n">' + num(m.baseline) + '</td><td ' +
    'class="n">' + num(m.current) + '</td><td class="n">' +
    num(m.change_pct, 1) + '</td><td>' + badge(m.verdict) + '</td><td>' +
    esc(m.note || '') + '</td></tr>').join('') + '</table></div>' +
    ((c.warnings || []).length ? '<div class="section card"><h2>Warnings' +
    '</h2>' + c.warnings.map((w) => '<p>' + esc(w) + '</p>').join('') +
    '</div>' : '');
}

/* ---- routing ---- */

async function route() {
  cleanup.forEach((f) => f());
  cleanup = [];
  const h = location.hash.replace(/^#/, '').split('?')[0] || '/';
  const m = h.split('/').filter(Boolean).map(decodeURIComponent);
  try {
    if (typeof Chart === 'undefined') {
      throw new Error('Chart.js did not load: install libjs-chart.js, or ' +
        'point ui_chartjs in loadd.conf at chart.min.js.');
    }
    /* ids from the address are numbers or nothing: never markup */
    const id = (s) => (/^[0-9]+$/.test(s || '') ? Number(s) : null);
    if (m[0] === 'runs' && id(m[1]) != null) await pageRun(id(m[1]));
    else if (m[0] === 'scenarios' && m[1]) await pageScenario(m[1]);
    else if (m[0] === 'compare' && id(m[1]) != null && id(m[2]) != null) {
      await pageCompare(id(m[1]), id(m[2]));
    }
    else await pageRuns();
  } catch (e) {
    main.innerHTML = '<h1>Something went wrong</h1><p class="error">' +
      esc(e.message) + '</p><p><a href="#/">Back to the runs</a></p>';
  }
}

window.addEventListener('hashchange', route);
/* Health is open: it says whether to ask for the token before calling. */
getJson('/v1/health').then(async (h) => {
  $('#daemon').textContent = 'loadd ' + (h.version || '');
  if (h.token_required && !token()) await askToken(false);
}).catch(() => {}).then(route);
