// The dashboard page (docs/DASHBOARD.md). Reads one page of figures from
// GET /api/v1/dashboard/{page} and draws it with Apache ECharts (canvas); every label
// comes with the figures, in the reader's language (or the one the switch chose).
//
// URL: /dashboard?page=metrics|activities|engagements|intel&period=week|month|quarter
// [&department=NAME][&person=EMAIL][&view=team][&at=YYYY-MM-DD][&user=ID][&locale=en|zh-CN]
// or /dashboard?page=report&id=N: one field report (linked from field intelligence).
// `user` is only used by a hub without sign-in (the chat page's choice is remembered);
// with sign-in the bot answers for the session's person whatever the URL says.
'use strict';

(function () {
  const PAGES = ['metrics', 'activities', 'engagements', 'intel'];
  const PERIODS = ['week', 'month', 'quarter'];
  const SECTIONS = ['figures-section', 'stages-section', 'extra-section', 'overlaps-section',
    'prices-section',
    'markets-section', 'customers-section', 'needs-section', 'calendar-section', 'budget-section',
    'report-section', 'trend-section'];
  // The order figures are listed in (the answer's keys come sorted by name).
  const ORDER = ['revenue', 'profit', 'deals_won', 'deals_lost', 'pipeline_created',
    'pipeline_deals', 'attainment_percent', 'leads', 'handoffs', 'handoffs_accepted',
    'median_acceptance_hours', 'incremental_sales', 'pool', 'campaign_cost',
    'cost_per_incremental', 'reporters', 'expected_reporters', 'report_coverage_percent',
    'kit_needs', 'kit_covered', 'kit_gaps', 'reports', 'price_signals',
    'consultations_asked', 'consultations_answered',
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
    page: PAGES.includes(params.get('page')) || params.get('page') === 'report'
      ? params.get('page') : 'metrics',
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
    if (state.page === 'report') {
      q.set('id', params.get('id') || '');
      if (!state.signedIn && state.user) q.set('user', state.user);
      if (state.locale) q.set('locale', state.locale);
      return '/api/v1/dashboard/report?' + q.toString();
    }
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
        if (cell !== null && typeof cell === 'object' && Array.isArray(cell.links)) {
          // Links to the field reports (the bot checks the reader may open each).
          cell.links.forEach((id, n) => {
            if (n > 0) td.appendChild(document.createTextNode(' '));
            const a = document.createElement('a');
            a.href = reportHref(id);
            a.className = 'report-link';
            a.textContent = '#' + id;
            td.appendChild(a);
          });
        } else if (numeric[i]) {
          td.className = 'number';
          td.textContent = numberText(cell);
        } else {
          td.textContent = cell;
        }
        if (row.key && i === 1) td.dataset.figure = row.key;
        if (row.overdue) r.className = 'overdue';
        r.appendChild(td);
      });
      table.appendChild(r);
    }
    tables[name] = [head].concat(rows.map((r) => r.cells.map((c) => {
      if (c === null || c === undefined) return '';
      if (typeof c === 'object' && Array.isArray(c.links)) return c.links.map((id) => '#' + id).join(' ');
      return c;
    })));
    report('TABLE ' + name + ': ' + rows.length);
  }

  function reportHref(id) {
    const q = new URLSearchParams();
    q.set('page', 'report');
    q.set('id', String(id));
    for (const name of ['user', 'locale']) if (params.get(name)) q.set(name, params.get(name));
    return '/dashboard?' + q.toString();
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
      q.delete('id');
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
    for (const id of SECTIONS) $(id).hidden = true;
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

  // The overlaps flagged: a second department claimed an engagement at the same stage.
  function renderOverlaps(d) {
    const section = $('overlaps-section');
    section.hidden = !d.overlaps;
    if (!d.overlaps) return;
    $('overlaps-title').textContent = label('overlaps');
    fillTable('overlaps', [label('engagement'), label('customer'), label('lead'),
      label('other_department'), label('stage'), label('owner'), label('flagged_at')],
    d.overlaps.map((o) => ({ cells: ['#' + o.engagement, o.customer, o.department,
      o.other_department, o.stage, o.owner, o.flagged] })),
    [false, false, false, false, false, false, false]);
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
      head = [label('requested'), label('waiting'), label('deadline')];
      rows = (d.handoffs_waiting || []).map((h) => ({ cells: [h.requested, h.hours,
        h.overdue ? h.deadline + ' · ' + label('overdue') : h.deadline], overdue: h.overdue }));
      numeric = [false, true, false];
    }
    section.hidden = head === null;
    if (head === null) return;
    fillTable('extra', head, rows, numeric);
    const el = $('extra-chart');
    el.hidden = option === null;
    if (option) chart(el, option);
  }

  // Field intelligence: price signals over time, reports by market and by customer, each
  // with links to the reports.
  function renderIntel(d) {
    const intel = d.page === 'intel';
    for (const id of ['prices-section', 'markets-section', 'customers-section', 'needs-section']) {
      $(id).hidden = !intel;
    }
    if (!intel) return;
    $('prices-title').textContent = label('prices');
    const prices = d.prices || [];
    fillTable('prices', [label('day'), label('competitor'), label('customer'), label('author'),
      label('price'), label('report')],
    prices.map((p) => ({ cells: [p.at, p.competitors, p.customer, p.author, p.text,
      { links: [p.report] }] })), [false, false, false, false, false, false]);
    // Percentages on a time axis, a series per competitor (amounts stay in the table).
    const byCompetitor = {};
    for (const p of prices) {
      if (p.unit !== '%' || p.amount === null) continue;
      const name = p.competitor || '–';
      (byCompetitor[name] = byCompetitor[name] || []).push([p.day, p.amount, p.report]);
    }
    chart($('prices-chart'), {
      title: { text: label('price_chart'), textStyle: { fontSize: 12 }, left: 'center' },
      legend: { top: 20 },
      tooltip: { trigger: 'item', formatter: (x) => x.seriesName + ' ' + x.value[0] + ': ' +
        x.value[1] + '% (#' + x.value[2] + ')' },
      grid: { left: 60, right: 20, top: 50, bottom: 40 },
      xAxis: { type: 'time', min: Date.parse(d.trend.weeks[0]) },
      yAxis: { type: 'value', axisLabel: { formatter: '{value}%' } },
      series: Object.keys(byCompetitor).map((n) => ({ name: n, type: 'scatter', symbolSize: 12,
        data: byCompetitor[n] })),
    });
    const tally = (name, title, first) => {
      $(name + '-title').textContent = label(title);
      fillTable(name, [label(first), label('reports'), label('mentions'),
        label('figure.price_signals'), label('report')],
      (d[name] || []).map((r) => ({ cells: [r.name, r.reports, r.competitor_mentions,
        r.price_signals, { links: r.report_ids }] })), [false, true, true, true, false]);
    };
    tally('markets', 'markets', 'market');
    tally('customers', 'customers', 'customer');
    // The needs the reports named most, as many times as named, with their reports.
    $('needs-title').textContent = label('top_needs');
    fillTable('needs', [label('need'), label('mentions'), label('report')],
      (d.needs || []).map((n) => ({ cells: [n.name, n.mentions, { links: n.report_ids }] })),
      [false, true, false]);
    report('LINKS: ' + document.querySelectorAll('a.report-link').length);
  }

  // Activities: a month grid of the joint meetings, trainings, outings and coffee
  // rounds (ECharts calendar), the list with seats, waiting lists and RSVPs, and the
  // budget by activity type and quarter.
  function renderActivities(d) {
    const shown = d.page === 'activities' && !!d.calendar;
    for (const id of ['calendar-section', 'budget-section']) $(id).hidden = !shown;
    if (!shown) return;
    const events = d.calendar.events || [];
    $('calendar-title').textContent =
      label('calendar') + ' · ' + d.calendar.from + ' – ' + d.calendar.to;
    const perDay = {};
    for (const e of events) {
      perDay[e.day] = perDay[e.day] || { n: 0, names: [] };
      perDay[e.day].n += 1;
      perDay[e.day].names.push(e.kind_label + ': ' + e.title);
    }
    // Weeks in columns, days in rows: the same height for a month or a quarter.
    const el = $('calendar-chart');
    el.style.height = '250px';
    chart(el, {
      tooltip: { trigger: 'item', formatter: (x) => x.value[0] + '<br>' +
        ((perDay[x.value[0]] || { names: [] }).names.join('<br>')) },
      visualMap: { show: false, min: 0, max: 3, inRange: { color: ['#e8f0fb', '#1f3a5f'] } },
      calendar: { range: [d.calendar.from, d.calendar.to], cellSize: ['auto', 24],
        orient: 'horizontal', top: 40, left: 50, right: 30,
        // Day and month names come from the chart's locale (EN or ZH).
        dayLabel: { firstDay: 1 },
        yearLabel: { show: false } },
      series: [{ type: 'heatmap', coordinateSystem: 'calendar',
        label: { show: true, formatter: (x) => String(x.value[1]) },
        data: Object.keys(perDay).map((day) => [day, perDay[day].n]) }],
    });
    $('events-title').textContent = label('events');
    fillTable('events', [label('day'), label('activity'), label('name'), label('status'),
      label('capacity'), label('registered'), label('waiting_list'), label('declined'),
      label('attended')],
    events.map((e) => ({ cells: [e.start, e.kind_label, e.title, e.status_label, e.capacity,
      e.registered, e.waiting, e.declined, e.attended] })),
    [false, false, false, false, true, true, true, true, true]);

    $('budget-title').textContent = label('budget_by_kind') + ' (' + d.currency + ')';
    const rows = d.budget || [];
    fillTable('budget', [label('quarter_col'), label('activity'), label('budget'),
      label('planned'), label('spent')],
    rows.map((r) => ({ cells: [r.quarter, r.kind_label, r.budget, r.planned, r.spent] })),
    [false, false, true, true, true]);
    const quarters = [...new Set(rows.map((r) => r.quarter))];
    const kinds = [...new Set(rows.map((r) => r.kind_label))];
    const value = (q, k, f) => rows.filter((r) => r.quarter === q && r.kind_label === k)
      .reduce((s, r) => s + r[f], 0);
    chart($('budget-chart'), {
      legend: { top: 0 },
      grid: { left: 70, right: 20, top: 40, bottom: 30 },
      xAxis: { type: 'category', data: quarters },
      yAxis: { type: 'value' },
      series: kinds.map((k) => ({ name: k + ' · ' + label('planned'), type: 'bar',
        stack: 'planned', data: quarters.map((q) => value(q, k, 'planned')) }))
        .concat(kinds.map((k) => ({ name: k + ' · ' + label('spent'), type: 'bar',
          stack: 'spent', data: quarters.map((q) => value(q, k, 'spent')) })))
        .concat([{ name: label('budget'), type: 'line',
          data: quarters.map((q) => kinds.reduce((s, k) => s + value(q, k, 'budget'), 0)) }]),
    });
  }

  // One field report, opened from a link of the field intelligence page.
  function renderReport(d) {
    for (const id of SECTIONS) $(id).hidden = id !== 'report-section';
    const r = d.report;
    $('subject').textContent = label('report_title') + ' #' + r.id;
    $('report-title').textContent = label('report_title') + ' #' + r.id;
    const dl = $('report');
    dl.textContent = '';
    const add = (name, value) => {
      if (value === undefined || value === null || value === '' ||
        (Array.isArray(value) && !value.length)) return;
      const dt = document.createElement('dt');
      dt.textContent = label(name);
      const dd = document.createElement('dd');
      dd.textContent = Array.isArray(value) ? value.join(', ') : String(value);
      dl.appendChild(dt);
      dl.appendChild(dd);
    };
    add('day', r.at + ' (' + r.zone + ')');
    add('author', r.author);
    add('department', r.department);
    add('customer', r.customer);
    add('competitor', r.competitors);
    add('price', r.prices);
    add('needs', r.needs);
    add('version', r.version);
    $('report-text').textContent = r.text;
    const back = new URLSearchParams(params);
    back.delete('id');
    back.set('page', 'intel');
    $('report-back').href = '/dashboard?' + back.toString();
    $('report-back').textContent = label('back');
    report('REPORT: ' + r.id);
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
    if (d.page === 'report') {
      renderReport(d);
      return;
    }
    $('report-section').hidden = true;
    $('subject').textContent = label('view_of') + ': ' + d.subject;
    for (const id of ['figures-section', 'trend-section']) $(id).hidden = false;
    renderFigures(d);
    renderStages(d);
    renderExtra(d);
    renderOverlaps(d);
    renderIntel(d);
    renderActivities(d);
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
