// The dashboard page (docs/DASHBOARD.md). Reads one page of figures from
// GET /api/v1/dashboard/{page} and draws it with Apache ECharts (canvas); every label
// comes with the figures, in the reader's language (or the one the switch chose).
//
// URL: /dashboard?page=metrics|activities|engagements|intel&period=week|month|quarter
// [&department=NAME][&person=EMAIL][&view=team][&at=YYYY-MM-DD][&user=ID][&locale=en|zh-CN]
// `user` is only used by a hub without sign-in (the chat page's choice is remembered);
// with sign-in the bot answers for the session's person whatever the URL says.
'use strict';

(function () {
  const PAGES = ['metrics', 'activities', 'engagements', 'intel'];
  const PERIODS = ['week', 'month', 'quarter'];
  // The order figures are listed in (the answer's keys come sorted by name).
  const ORDER = ['revenue', 'profit', 'deals_won', 'deals_lost', 'pipeline_created',
    'pipeline_deals', 'attainment_percent', 'leads', 'handoffs', 'handoffs_accepted',
    'median_acceptance_hours', 'incremental_sales', 'pool', 'campaign_cost',
    'cost_per_incremental', 'reporters', 'expected_reporters', 'report_coverage_percent',
    'kit_needs', 'kit_covered', 'kit_gaps', 'consultations_asked', 'consultations_answered',
    'joint_meetings_held', 'coffee_pairs_met', 'budget_planned', 'budget_spent'];
  const ordered = (keys) => keys.slice().sort((a, b) => rank(a) - rank(b));
  const rank = (k) => (ORDER.includes(k) ? ORDER.indexOf(k) : ORDER.length);
  const MONEY = ['revenue', 'profit', 'pipeline_created', 'incremental_sales', 'pool',
    'campaign_cost', 'budget_planned', 'budget_spent'];
  const $ = (id) => document.getElementById(id);
  const url = new URL(window.location.href);
  const params = url.searchParams;
  const status = { errors: [], ready: false };
  const charts = [];
  const tables = {};  // CSV content by table name: array of rows

  const state = {
    page: PAGES.includes(params.get('page')) ? params.get('page') : 'metrics',
    period: PERIODS.includes(params.get('period')) ? params.get('period') : 'week',
    signedIn: false,
    user: params.get('user') || localStorage.getItem('twintrack.user') || '',
    token: sessionStorage.getItem('twintrack.token') || '',
    locale: params.get('locale') || '',
    data: null,
  };

  function report(text) {
    const el = $('dashboard-status');
    el.textContent += text + '\n';
  }

  function localeKey() {
    return state.user ? 'twintrack.locale.' + state.user : 'twintrack.locale';
  }

  function headers() {
    return state.token ? { Authorization: 'Bearer ' + state.token } : {};
  }

  // Whether the hub signs people in: /api/v1/session answers 200 (signed in), 401 (sign
  // in first) or 404 (a hub without sign-in: the person comes from ?user=).
  async function detectSession() {
    let r;
    try {
      r = await fetch('/api/v1/session', { cache: 'no-store', headers: headers() });
    } catch (e) {
      return 'error';
    }
    if (r.status === 200) {
      const body = await r.json();
      state.signedIn = true;
      state.user = body.user || state.user;
      return 'signed-in';
    }
    return r.status === 401 ? 'sign-in' : 'open';
  }

  function apiUrl() {
    const q = new URLSearchParams();
    q.set('period', state.period);
    q.set('weeks', '12');
    for (const name of ['department', 'person', 'view', 'at']) {
      if (params.get(name)) q.set(name, params.get(name));
    }
    if (!state.signedIn && state.user) q.set('user', state.user);
    if (state.locale) q.set('locale', state.locale);
    return '/api/v1/dashboard/' + state.page + '?' + q.toString();
  }

  function label(key, data) {
    const labels = (state.data && state.data.labels) || {};
    let text = labels[key] || key;
    for (const [name, value] of Object.entries(data || {})) {
      text = text.split('{{' + name + '}}').join(String(value));
    }
    return text;
  }

  function numberText(v) {
    if (v === null || v === undefined) return '–';
    return new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 }).format(v);
  }

  function clearCharts() {
    while (charts.length) charts.pop().dispose();
  }

  function chart(el, option) {
    const c = echarts.init(el, null, {
      renderer: 'canvas',
      locale: state.data.locale === 'zh-CN' ? 'ZH' : 'EN',
    });
    c.setOption(Object.assign({
      textStyle: { fontFamily: 'WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif' },
      animation: false,
      tooltip: { trigger: 'axis' },
      grid: { left: 60, right: 20, top: 30, bottom: 40 },
    }, option));
    charts.push(c);
    return c;
  }

  function fillTable(name, head, rows, numeric) {
    const table = $(name);
    table.textContent = '';
    const tr = document.createElement('tr');
    for (const h of head) {
      const th = document.createElement('th');
      th.textContent = h;
      tr.appendChild(th);
    }
    table.appendChild(tr);
    for (const row of rows) {
      const r = document.createElement('tr');
      row.cells.forEach((cell, i) => {
        const td = document.createElement('td');
        if (numeric[i]) {
          td.className = 'number';
          td.textContent = numberText(cell);
        } else {
          td.textContent = cell;
        }
        if (row.key && i === 1) td.dataset.figure = row.key;
        r.appendChild(td);
      });
      table.appendChild(r);
    }
    tables[name] = [head].concat(rows.map((r) => r.cells.map((c) => (c === null ? '' : c))));
  }

  function csvOf(rows) {
    const cell = (v) => {
      const s = String(v);
      return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
    };
    return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
  }

  function download(name) {
    const rows = tables[name];
    if (!rows) return;
    // A byte order mark so that spreadsheet programs read the Chinese labels as UTF-8.
    const blob = new Blob(['\ufeff' + csvOf(rows)], { type: 'text/csv;charset=utf-8' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'twintrack-' + state.page + '-' + name + '-' + state.period + '.csv';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  function renderChrome() {
    const d = state.data;
    document.documentElement.lang = d ? d.locale : 'en';
    document.title = label('title');
    $('title').textContent = label('title');
    const nav = $('pages');
    nav.textContent = '';
    for (const p of PAGES) {
      const a = document.createElement('a');
      const q = new URLSearchParams(params);
      q.set('page', p);
      a.href = '/dashboard?' + q.toString();
      a.textContent = label('page.' + p);
      a.id = 'page-' + p;
      if (p === state.page) a.className = 'current';
      nav.appendChild(a);
    }
    const period = $('period');
    period.textContent = '';
    for (const p of PERIODS) {
      const o = document.createElement('option');
      o.value = p;
      o.textContent = label('period.' + p);
      o.selected = p === state.period;
      period.appendChild(o);
    }
    $('language').textContent = label('language');
    $('chat').textContent = label('back_to_chat');
    for (const b of document.querySelectorAll('button.csv')) b.textContent = label('download_csv');
  }

  function showMessage(text) {
    const m = $('message');
    m.hidden = false;
    m.textContent = text;
    for (const id of ['figures-section', 'stages-section', 'extra-section', 'trend-section']) {
      $(id).hidden = true;
    }
  }

  function renderFigures(d) {
    const keys = ordered(Object.keys(d.figures));
    fillTable('figures', [label('figures'), label('value')],
      keys.map((k) => ({ key: k, cells: [label('figure.' + k), d.figures[k]] })), [false, true]);
    $('figures-title').textContent =
      label('page.' + d.page) + ' · ' + d.subject + ' · ' + d.period.from + ' – ' + d.period.to;
    const el = $('figures-chart');
    if (d.page === 'engagements') {
      // The funnel by stage now (open stages, in the funnel's order), or, with no
      // engagement yet, the period's way from leads to deals won.
      const open = (d.funnel || []).filter((s) => !s.closed);
      const data = open.length
        ? open.map((s) => ({ name: s.stage + ' · ' + s.lead_label, value: s.count }))
        : ['leads', 'handoffs', 'handoffs_accepted', 'deals_won'].map(
          (k) => ({ name: label('figure.' + k), value: d.figures[k] || 0 }));
      chart(el, {
        tooltip: { trigger: 'item' },
        series: [{
          type: 'funnel', sort: 'none', left: '10%', width: '80%',
          label: { formatter: '{b}: {c}' },
          data,
        }],
      });
    } else {
      // Amounts in one chart (the company currency), counts in another unit: the bar
      // chart shows the amounts when the page has any, else the counts.
      const numeric = keys.filter((k) => typeof d.figures[k] === 'number' && !/percent|hours/.test(k));
      const amounts = numeric.filter((k) => MONEY.includes(k));
      const shown = amounts.length ? amounts : numeric;
      chart(el, {
        grid: { left: 200, right: 30, top: 10, bottom: 30 },
        xAxis: { type: 'value' },
        yAxis: { type: 'category', inverse: true, data: shown.map((k) => label('figure.' + k)) },
        series: [{ type: 'bar', barMaxWidth: 28, data: shown.map((k) => d.figures[k]) }],
      });
    }
  }

  function renderStages(d) {
    const section = $('stages-section');
    section.hidden = !d.funnel;
    if (!d.funnel) return;
    $('stages-title').textContent = label('stages');
    fillTable('stages', [label('stage'), label('lead'), label('count')],
      d.funnel.map((s) => ({ cells: [s.stage, s.lead_label, s.count] })), [false, false, true]);
  }

  function renderExtra(d) {
    const section = $('extra-section');
    let head = null;
    let rows = [];
    let numeric = [];
    let option = null;
    if (d.page === 'metrics' && d.reps && d.reps.length) {
      $('extra-title').textContent = label('reps');
      head = [label('rep'), label('to_date'), label('quota'), label('percent')];
      rows = d.reps.map((r) => ({ cells: [r.name, r.revenue_to_date, r.quota, r.percent] }));
      numeric = [false, true, true, true];
      option = {
        grid: { left: 140, right: 30, top: 10, bottom: 30 },
        xAxis: { type: 'value', max: (v) => Math.max(100, v.max) },
        yAxis: { type: 'category', inverse: true, data: d.reps.map((r) => r.name) },
        series: [{ type: 'bar', barMaxWidth: 28,
          data: d.reps.map((r) => Math.round(r.percent * 10) / 10) }],
      };
    } else if (d.page === 'intel') {
      $('extra-title').textContent = label('competitors');
      head = [label('competitor'), label('mentions')];
      rows = (d.competitors || []).map((c) => ({ cells: [c.name, c.mentions] }));
      numeric = [false, true];
      const names = Object.keys(d.competitor_trend || {});
      option = {
        legend: { top: 0 },
        xAxis: { type: 'category', data: d.trend.weeks },
        yAxis: { type: 'value', minInterval: 1 },
        series: names.map((n) => ({ name: n, type: 'line', data: d.competitor_trend[n] })),
      };
    } else if (d.page === 'engagements') {
      $('extra-title').textContent = label('handoffs_waiting');
      head = [label('requested'), label('waiting')];
      rows = (d.handoffs_waiting || []).map((h) => ({ cells: [h.requested, h.hours] }));
      numeric = [false, true];
    }
    section.hidden = head === null;
    if (head === null) return;
    fillTable('extra', head, rows, numeric);
    const el = $('extra-chart');
    el.hidden = option === null;
    if (option) chart(el, option);
  }

  function renderTrends(d) {
    $('trend-title').textContent = label('trend', { weeks: d.trend.weeks.length });
    const grid = $('trends');
    grid.textContent = '';
    const keys = ordered(Object.keys(d.trend.series));
    for (const k of keys) {
      const fig = document.createElement('figure');
      const cap = document.createElement('figcaption');
      cap.textContent = label('figure.' + k);
      const el = document.createElement('div');
      el.className = 'chart';
      el.dataset.trend = k;
      fig.appendChild(cap);
      fig.appendChild(el);
      grid.appendChild(fig);
      chart(el, {
        xAxis: { type: 'category', data: d.trend.weeks },
        yAxis: { type: 'value' },
        series: [{ name: label('figure.' + k), type: 'line', connectNulls: false,
          data: d.trend.series[k] }],
      });
    }
    fillTable('trend', [label('week')].concat(keys.map((k) => label('figure.' + k))),
      d.trend.weeks.map((w, i) => ({ cells: [w].concat(keys.map((k) => d.trend.series[k][i])) })),
      [false].concat(keys.map(() => true)));
  }

  function render() {
    clearCharts();
    const d = state.data;
    renderChrome();
    $('message').hidden = true;
    $('subject').textContent = label('view_of') + ': ' + d.subject;
    for (const id of ['figures-section', 'trend-section']) $(id).hidden = false;
    renderFigures(d);
    renderStages(d);
    renderExtra(d);
    renderTrends(d);
  }

  async function ownView() {
    const q = new URLSearchParams({ weeks: '1' });
    if (!state.signedIn && state.user) q.set('user', state.user);
    if (state.locale) q.set('locale', state.locale);
    try {
      const r = await fetch('/api/v1/dashboard/metrics?' + q.toString(),
        { cache: 'no-store', headers: headers() });
      return r.ok ? await r.json() : null;
    } catch (e) {
      return null;
    }
  }

  async function load() {
    let r;
    try {
      r = await fetch(apiUrl(), { cache: 'no-store', headers: headers() });
    } catch (e) {
      showMessage(String(e));
      return;
    }
    let body = {};
    try { body = await r.json(); } catch (e) { body = {}; }
    if (r.ok) {
      state.data = body;
      render();
      report('PAGE: ' + body.page);
      report('LOCALE: ' + body.locale);
      return;
    }
    // Refused or failed: the chrome keeps the labels of the last answer; without one,
    // the labels come with the reader's own view of the first page.
    if (!state.data) state.data = (await ownView()) || { labels: {}, locale: state.locale || 'en' };
    renderChrome();
    clearCharts();
    if (r.status === 403) {
      showMessage(label('not_allowed'));
    } else {
      showMessage(body.message || ('HTTP ' + r.status));
    }
    report('REFUSED: ' + r.status);
  }

  function switchLanguage() {
    const current = state.data && state.data.locale ? state.data.locale : 'en';
    state.locale = current === 'zh-CN' ? 'en' : 'zh-CN';
    localStorage.setItem(localeKey(), state.locale);
    return load();
  }

  function bind() {
    $('period').addEventListener('change', (e) => {
      state.period = e.target.value;
      params.set('period', state.period);
      history.replaceState(null, '', '/dashboard?' + params.toString());
      load();
    });
    $('language').addEventListener('click', () => switchLanguage());
    for (const b of document.querySelectorAll('button.csv')) {
      b.addEventListener('click', () => download(b.dataset.table));
    }
    window.addEventListener('resize', () => charts.forEach((c) => c.resize()));
  }

  window.addEventListener('error', (e) => status.errors.push(String(e.message)));

  async function start() {
    bind();
    const mode = await detectSession();
    if (mode === 'sign-in') {
      window.location.href = '/';
      return;
    }
    if (!state.locale) state.locale = localStorage.getItem(localeKey()) || '';
    if (!state.signedIn && !state.user) {
      showMessage('Open the chat page first and pick a person / 请先在聊天页面选择用户');
      report('REFUSED: no user');
    } else {
      await load();
      // Test mode: ?switch=1 presses the language switch once the page is drawn.
      if (params.get('switch') === '1') await switchLanguage();
    }
    status.ready = true;
    const figures = document.querySelectorAll('td[data-figure]');
    for (const td of figures) report('FIGURE ' + td.dataset.figure + ': ' + td.textContent);
    report('CANVAS: ' + document.querySelectorAll('canvas').length);
    report('ERRORS: ' + status.errors.length);
    document.body.dataset.ready = '1';
  }

  start();
})();
