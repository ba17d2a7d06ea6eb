(function () {
  'use strict';
  const statusElement = document.getElementById('status');
  const errors = [];
  function noteError(message) {
    errors.push(String(message));
    statusElement.setAttribute('data-errors', String(errors.length));
    statusElement.className = 'status status-error';
    statusElement.textContent = 'This page met ' + errors.length + ' error(s): ' + errors.join(' | ');
  }
  window.addEventListener('error', (event) => noteError(event.message || 'unknown error'));
  window.addEventListener('unhandledrejection', (event) => noteError(event.reason || 'unhandled rejection'));

  let DATA;
  try {
    DATA = JSON.parse(document.getElementById('report-data').textContent);
  } catch (error) {
    noteError('the data embedded in this page cannot be read: ' + error.message);
    statusElement.setAttribute('data-ready', '1');
    return;
  }

  const SVG_NS = 'http://www.w3.org/2000/svg';
  const COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];
  const PAGE_SIZE = 40;

  // ---- small helpers: every piece of run data enters the page as text, never as HTML ----
  function element(tag, attributes, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (key === 'text') node.textContent = value;
      else if (key === 'class') node.className = value;
      else node.setAttribute(key, String(value));
    }
    for (const child of children || []) {
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }
  function svgElement(tag, attributes) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, String(value));
    return node;
  }
  function isNumber(value) { return typeof value === 'number' && isFinite(value); }
  function formatNumber(value) {
    if (!isNumber(value)) return '–';
    const size = Math.abs(value);
    if (size !== 0 && (size < 1e-3 || size >= 1e6)) return value.toExponential(2);
    if (Number.isInteger(value)) return String(value);
    return String(parseFloat(value.toPrecision(4)));
  }
  function formatDuration(seconds) {
    if (seconds < 120) return seconds.toFixed(0) + ' s';
    if (seconds < 7200) return (seconds / 60).toFixed(0) + ' min';
    return (seconds / 3600).toFixed(1) + ' h';
  }
  // "reasoning (12 characters)", "reasoning (1 character)", "reasoning (empty)" for a block of whitespace only.
  function reasoningLabel(think) {
    const size = Array.from(think).length;  // characters, not UTF-16 units
    if (think.trim() === '') return 'reasoning (empty)';
    return 'reasoning (' + size + (size === 1 ? ' character)' : ' characters)');
  }
  function formatPercent(value) { return isNumber(value) ? (100 * value).toFixed(1) + '%' : '–'; }
  function formatValue(value, percent) { return percent ? formatPercent(value) : formatNumber(value); }

  // ---- charts ----
  function niceStep(range, count) {
    const raw = range / count;
    const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    const normalised = raw / magnitude;
    const nice = normalised < 1.5 ? 1 : normalised < 3 ? 2 : normalised < 7 ? 5 : 10;
    return nice * magnitude;
  }
  function ticks(low, high, count) {
    const step = niceStep(high - low, count);
    const values = [];
    for (let value = Math.ceil(low / step) * step; value <= high + step * 1e-9; value += step) {
      values.push(Math.abs(value) < step * 1e-9 ? 0 : value);
    }
    return values;
  }
  // TensorBoard's smoothing: an exponential moving average, debiased at the start.
  function smooth(points, weight) {
    if (!weight) return points;
    let last = 0;
    return points.map(([x, y], index) => {
      last = last * weight + (1 - weight) * y;
      return [x, last / (1 - Math.pow(weight, index + 1))];
    });
  }
  function seriesPoints(rows, key) {
    const points = [];
    for (const row of rows) {
      if (isNumber(row.step) && isNumber(row[key])) points.push([row.step, row[key]]);
    }
    return points;
  }

  // Draws one line chart; returns the number of data points drawn.
  function drawChart(container, spec, smoothing) {
    const figure = element('figure', { class: 'chart', id: 'chart-' + spec.id });
    figure.appendChild(element('figcaption', { text: spec.title }));
    container.appendChild(figure);
    const series = spec.series.filter((s) => s.points.length > 0);
    const pointCount = series.reduce((sum, s) => sum + s.points.length, 0);
    if (pointCount === 0) {
      figure.appendChild(element('p', { class: 'empty', text: spec.missing || 'Not in the logs of this run.' }));
      return 0;
    }
    if (spec.allZero && series.every((s) => s.points.every(([, y]) => y === 0))) {
      figure.appendChild(element('p', { class: 'empty', text: spec.allZero }));
      return 0;
    }
    const W = 560, H = 250, L = 62, R = 16, T = 12, B = 34;
    let xLow = Infinity, xHigh = -Infinity, yLow = Infinity, yHigh = -Infinity;
    const extend = (x, y) => {
      xLow = Math.min(xLow, x); xHigh = Math.max(xHigh, x);
      yLow = Math.min(yLow, y); yHigh = Math.max(yHigh, y);
    };
    for (const s of series) for (const [x, y] of s.points) extend(x, y);
    for (const [x, low, high] of spec.band || []) { extend(x, low); extend(x, high); }
    if (spec.fromZero) yLow = Math.min(yLow, 0);
    if (xHigh === xLow) { xLow -= 1; xHigh += 1; }
    if (yHigh === yLow && spec.fromZero && yLow === 0) yHigh = 1;  // all zero: an axis from 0 (100% for shares)
    if (yHigh === yLow) { const pad = Math.abs(yLow) * 0.1 || 1; yLow -= pad; yHigh += pad; }
    const yPad = (yHigh - yLow) * 0.05;
    if (!(spec.fromZero && yLow === 0)) yLow -= yPad;
    yHigh += yPad;
    const sx = (x) => L + ((x - xLow) / (xHigh - xLow)) * (W - L - R);
    const sy = (y) => T + (1 - (y - yLow) / (yHigh - yLow)) * (H - T - B);

    const plot = svgElement('svg', {
      viewBox: '0 0 ' + W + ' ' + H, class: 'plot', role: 'img', 'aria-label': spec.title,
      'data-chart': spec.id, 'data-points': pointCount,
    });
    for (const value of ticks(yLow, yHigh, 5)) {
      plot.appendChild(svgElement('line', { x1: L, x2: W - R, y1: sy(value), y2: sy(value), class: 'grid' }));
      const label = svgElement('text', { x: L - 6, y: sy(value) + 4, 'text-anchor': 'end', class: 'tick' });
      label.textContent = formatValue(value, spec.percent);
      plot.appendChild(label);
    }
    for (const value of ticks(xLow, xHigh, 6)) {
      if (!Number.isInteger(value)) continue;  // steps are whole numbers
      plot.appendChild(svgElement('line', { x1: sx(value), x2: sx(value), y1: H - B, y2: H - B + 4, class: 'axis' }));
      const label = svgElement('text', { x: sx(value), y: H - B + 16, 'text-anchor': 'middle', class: 'tick' });
      label.textContent = formatNumber(value);
      plot.appendChild(label);
    }
    plot.appendChild(svgElement('line', { x1: L, x2: W - R, y1: H - B, y2: H - B, class: 'axis' }));
    const axisLabel = svgElement('text', { x: (L + W - R) / 2, y: H - 3, 'text-anchor': 'middle', class: 'axis-label' });
    axisLabel.textContent = 'step';
    plot.appendChild(axisLabel);

    if (spec.band && spec.band.length > 1) {
      const upper = spec.band.map(([x, , high]) => sx(x).toFixed(1) + ',' + sy(high).toFixed(1));
      const lower = spec.band.slice().reverse().map(([x, low]) => sx(x).toFixed(1) + ',' + sy(low).toFixed(1));
      plot.appendChild(svgElement('polygon', { points: upper.concat(lower).join(' '), class: 'band', fill: series[0].colour }));
    }
    const toPath = (points) => points.map(([x, y]) => sx(x).toFixed(1) + ',' + sy(y).toFixed(1)).join(' ');
    for (const s of series) {
      const shown = smooth(s.points, smoothing);
      if (smoothing) plot.appendChild(svgElement('polyline', { points: toPath(s.points), class: 'line raw', stroke: s.colour }));
      plot.appendChild(svgElement('polyline', {
        points: toPath(shown), class: 'line', stroke: s.colour, 'data-series': s.label, 'data-points': s.points.length,
      }));
      if (s.points.length <= 40) {
        for (const [x, y] of shown) plot.appendChild(svgElement('circle', { cx: sx(x), cy: sy(y), r: 2.5, fill: s.colour }));
      }
    }
    // Hover: a vertical rule and the values of every series at the nearest step.
    const rule = svgElement('line', { y1: T, y2: H - B, class: 'rule', visibility: 'hidden' });
    plot.appendChild(rule);
    const overlay = svgElement('rect', { x: L, y: T, width: W - L - R, height: H - T - B, class: 'overlay' });
    plot.appendChild(overlay);
    const tip = element('div', { class: 'tip' });
    const xs = Array.from(new Set(series.flatMap((s) => s.points.map((p) => p[0])))).sort((a, b) => a - b);
    overlay.addEventListener('mousemove', (event) => {
      const box = plot.getBoundingClientRect();
      const x = xLow + (((event.clientX - box.left) / box.width) * W - L) / (W - L - R) * (xHigh - xLow);
      let nearest = xs[0];
      for (const candidate of xs) if (Math.abs(candidate - x) < Math.abs(nearest - x)) nearest = candidate;
      rule.setAttribute('x1', sx(nearest)); rule.setAttribute('x2', sx(nearest)); rule.setAttribute('visibility', 'visible');
      tip.textContent = '';
      tip.appendChild(element('div', { class: 'tip-step', text: 'step ' + nearest }));
      for (const s of series) {
        const point = s.points.find((p) => p[0] === nearest);
        if (!point) continue;
        const line = element('div', {}, [element('span', { class: 'swatch', style: 'background:' + s.colour }), s.label + ': ' + formatValue(point[1], spec.percent)]);
        tip.appendChild(line);
      }
      tip.style.display = 'block';
      tip.style.left = Math.min(event.clientX - figure.getBoundingClientRect().left + 12, figure.clientWidth - 180) + 'px';
    });
    overlay.addEventListener('mouseleave', () => { tip.style.display = 'none'; rule.setAttribute('visibility', 'hidden'); });
    figure.appendChild(plot);
    figure.appendChild(tip);
    const legend = element('div', { class: 'legend' });
    for (const s of series) legend.appendChild(element('span', {}, [element('span', { class: 'swatch', style: 'background:' + s.colour }), s.label]));
    if (series.length > 1 || spec.band) figure.appendChild(legend);
    return pointCount;
  }

  function makeSeries(rows, pairs) {
    return pairs.map(([label, key], index) => ({ label: label, points: seriesPoints(rows, key), colour: COLOURS[index % COLOURS.length] }));
  }

  function trainingChartSpecs(rows) {
    const rewardNames = [];
    for (const row of rows) {
      for (const key of Object.keys(row)) {
        const match = /^rewards\/(.+)\/mean$/.exec(key);
        if (match && !rewardNames.includes(match[1])) rewardNames.push(match[1]);
      }
    }
    const band = [];
    for (const row of rows) {
      if (isNumber(row.step) && isNumber(row.reward) && isNumber(row.reward_std)) {
        band.push([row.step, row.reward - row.reward_std, row.reward + row.reward_std]);
      }
    }
    // Only box-stacking runs log the reasoning figures (datasets/box_chain.h): no empty charts for the others.
    const reasoning = rows.some((row) => isNumber(row['reasoning/chain_share']));
    // A run of `grpo sft` logs a loss and no rewards: only the charts it has data for.
    const supervised = rows.some((row) => isNumber(row.loss)) && !rows.some((row) => isNumber(row.reward));
    const shown = supervised ? ['loss', 'grad-norm', 'learning-rate', 'time'] : null;
    return [
      { id: 'reward', title: 'Reward (mean, band: ± std)', series: makeSeries(rows, [['reward', 'reward']]), band: band },
      { id: 'reward-functions', title: 'Each reward function (mean)',
        series: makeSeries(rows, rewardNames.map((name) => [name, 'rewards/' + name + '/mean'])) },
      { id: 'accuracy', title: 'Accuracy and format rate', percent: true, fromZero: true,
        series: makeSeries(rows, [['accuracy', 'accuracy'], ['format rate', 'format_rate']]) },
      { id: 'length', title: 'Completion length (tokens)', fromZero: true,
        series: makeSeries(rows, [['mean', 'completions/mean_length'], ['min', 'completions/min_length'], ['max', 'completions/max_length']]) },
      { id: 'kl', title: 'KL divergence to the reference model', series: makeSeries(rows, [['kl', 'kl']]),
        allZero: 'No reference model (beta = 0): the KL is not computed, 0 at every step.' },
      { id: 'entropy', title: 'Entropy (nats per token)', series: makeSeries(rows, [['entropy', 'entropy']]) },
      { id: 'clip', title: 'Clip fractions of the importance ratio', percent: true, fromZero: true,
        series: makeSeries(rows, [['low', 'clip_ratio/low_mean'], ['high', 'clip_ratio/high_mean'], ['region', 'clip_ratio/region_mean']]) },
      { id: 'truncation', title: 'Cut by the length limit; groups with equal rewards', percent: true, fromZero: true,
        series: makeSeries(rows, [['cut by length', 'completions/clipped_ratio'], ['reward std = 0', 'frac_reward_zero_std']]) },
      { id: 'reasoning', title: 'Reasoning in <think> (box stacking): chains of stacks, accuracy with and without one',
        percent: true, fromZero: true,
        series: makeSeries(rows, [['completions with a chain', 'reasoning/chain_share'], ['accuracy with a chain', 'reasoning/accuracy_with_chain'],
          ['accuracy without', 'reasoning/accuracy_without_chain'], ['steps of the chains right', 'reasoning/stack_accuracy'],
          ['chains ending in the answer', 'reasoning/chain_end_accuracy']]) },
      { id: 'think-length', title: 'Think block length (words, mean)', fromZero: true,
        series: makeSeries(rows, [['think words', 'reasoning/think_words']]) },
      { id: 'loss', title: 'Loss per trained token (grpo sft: training, held-out)', fromZero: true,
        series: makeSeries(rows, [['training', 'loss'], ['held-out', 'eval_loss']]) },
      { id: 'grad-norm', title: 'Gradient norm', series: makeSeries(rows, [['grad norm', 'grad_norm']]) },
      { id: 'learning-rate', title: 'Learning rate', series: makeSeries(rows, [['learning rate', 'learning_rate']]) },
      { id: 'time', title: 'Time per step (seconds)', fromZero: true,
        series: makeSeries(rows, [['step', 'time/step'], ['rollout', 'time/rollout'], ['reward', 'time/reward'], ['log-probs', 'time/logprobs'], ['update', 'time/update']]) },
    ].filter((spec) => (shown ? shown.includes(spec.id) : spec.id !== 'loss'))
      .filter((spec) => reasoning || (spec.id !== 'reasoning' && spec.id !== 'think-length'))
      .concat(moeChartSpecs(rows));
  }

  // Mixture-of-experts policies only: expert load per sparse layer (busiest expert over the mean; 1 = even),
  // routing change between the old policy and the update, router entropy, balancing bias and balance loss.
  function moeChartSpecs(rows) {
    const layers = [];
    for (const row of rows) {
      for (const key of Object.keys(row)) {
        const match = /^moe\/load_max_over_mean\/layer_(\d+)$/.exec(key);
        if (match && !layers.includes(Number(match[1]))) layers.push(Number(match[1]));
      }
    }
    if (!layers.length) return [];
    layers.sort((a, b) => a - b);
    return [
      { id: 'moe-load', title: 'Expert load per layer: busiest expert / mean (1 = even)',
        series: makeSeries(rows, layers.map((layer) => ['layer ' + layer, 'moe/load_max_over_mean/layer_' + layer])) },
      { id: 'moe-routing', title: 'Tokens whose experts differ from the old policy\'s', percent: true, fromZero: true,
        series: makeSeries(rows, [['experts used', 'moe/routing_changed'], ['own top-k', 'moe/routing_changed_own']]) },
      { id: 'moe-entropy', title: 'Router entropy (nats per token)', series: makeSeries(rows, [['entropy', 'moe/router_entropy']]) },
      { id: 'moe-balancing', title: 'Balancing: mean |bias| (noaux_tc), balance loss (coefficient applied)',
        series: makeSeries(rows, [['mean |bias|', 'moe/balancing_bias_abs_mean'], ['balance loss', 'moe/aux_loss']]),
        missing: 'No balancing bias (topk_method greedy) and no balance loss (router_aux_loss_coef 0).' },
    ];
  }

  // The eval.jsonl key names, from logs/metric_names.h (embedded by report_data.cpp).
  const EVAL = DATA.eval_keys;
  const EVAL_COLUMNS = [
    [EVAL.step, 'step', false], [EVAL.greedy, 'greedy accuracy', true], [EVAL.pass1, 'pass@1', true],
    [EVAL.passk, 'pass@k', true], [EVAL.majk, 'maj@k', true], [EVAL.k, 'k', false],
    [EVAL.format, 'format rate', true], [EVAL.length, 'mean length', false], [EVAL.problems, 'problems', false],
  ];
  function breakdownOf(row) {
    const breakdown = row[EVAL.breakdown];
    if (!breakdown || typeof breakdown !== 'object' || !Array.isArray(breakdown[EVAL.groups])) return null;
    return breakdown;
  }
  function groupsOf(row) {
    const breakdown = breakdownOf(row);
    return breakdown ? breakdown[EVAL.groups] : [];
  }
  function groupLabel(group) {
    const value = group[EVAL.value];
    return value === null || value === undefined ? '(none)' : typeof value === 'string' ? value : JSON.stringify(value);
  }
  // The headline metric of a breakdown group: pass@1 when sampled, else greedy accuracy.
  function groupMetric(rows) {
    const sampled = rows.some((row) => groupsOf(row).some((group) => isNumber(group[EVAL.pass1])));
    return sampled ? [EVAL.pass1, 'pass@1'] : [EVAL.greedy, 'greedy accuracy'];
  }

  function evalChartSpecs(rows) {
    if (!rows.length) return [];
    const specs = [{ id: 'eval', title: 'Evaluation', percent: true, fromZero: true,
      series: makeSeries(rows, EVAL_COLUMNS.filter(([, , percent]) => percent).map(([key, label]) => [label, key])) }];
    const withBreakdown = rows.filter((row) => isNumber(row.step) && breakdownOf(row));
    if (withBreakdown.length) {
      const field = breakdownOf(withBreakdown[withBreakdown.length - 1])[EVAL.field];
      const [key, label] = groupMetric(withBreakdown);
      const levels = [];
      for (const row of withBreakdown) {
        for (const group of groupsOf(row)) if (!levels.includes(groupLabel(group))) levels.push(groupLabel(group));
      }
      specs.push({ id: 'eval-breakdown', title: label + ' by ' + field, percent: true, fromZero: true,
        series: levels.map((level, index) => ({
          label: field + ' ' + level, colour: COLOURS[index % COLOURS.length],
          points: withBreakdown.map((row) => [row.step, groupsOf(row).find((group) => groupLabel(group) === level)])
            .filter(([, group]) => group && isNumber(group[key])).map(([step, group]) => [step, group[key]]),
        })) });
    }
    return specs;
  }

  let chartPoints = 0, chartCount = 0;
  function drawTrainingCharts(smoothing) {
    const container = document.getElementById('charts');
    const evalContainer = document.getElementById('eval-charts');
    container.textContent = '';
    evalContainer.textContent = '';
    chartPoints = 0; chartCount = 0;
    for (const spec of trainingChartSpecs(DATA.metrics)) {
      const points = drawChart(container, spec, smoothing);
      chartPoints += points;
      if (points > 0) chartCount += 1;
    }
    for (const spec of evalChartSpecs(DATA.evals)) {
      const points = drawChart(evalContainer, spec, 0);
      chartPoints += points;
      if (points > 0) chartCount += 1;
    }
  }

  // ---- evaluation table ----
  function drawEvalTable() {
    const wrap = document.getElementById('eval-table-wrap');
    if (!DATA.evals.length) {
      wrap.appendChild(element('p', { class: 'empty', text: 'No evaluations in eval.jsonl.' }));
      return;
    }
    const columns = EVAL_COLUMNS.filter(([key]) => DATA.evals.some((row) => row[key] !== undefined && row[key] !== null));
    const withBreakdown = DATA.evals.filter(breakdownOf);
    const [groupKey, groupName] = groupMetric(withBreakdown);
    const table = element('table', { class: 'eval-table' });
    const head = element('tr');
    for (const [, label] of columns) head.appendChild(element('th', { text: label }));
    if (withBreakdown.length) {
      head.appendChild(element('th', { text: 'by ' + breakdownOf(withBreakdown[0])[EVAL.field] + ' (' + groupName + ', problems)' }));
    }
    table.appendChild(element('thead', {}, [head]));
    const body = element('tbody');
    for (const row of DATA.evals) {
      const line = element('tr');
      for (const [key, , percent] of columns) {
        const value = row[key];
        line.appendChild(element('td', { text: isNumber(value) ? formatValue(value, percent) : '–' }));
      }
      if (withBreakdown.length) {
        const parts = groupsOf(row).map((group) => groupLabel(group) + ': ' +
          formatPercent(group[groupKey]) + (isNumber(group[EVAL.problems]) ? ' (' + group[EVAL.problems] + ')' : ''));
        line.appendChild(element('td', { class: 'levels', text: parts.join(' · ') }));
      }
      body.appendChild(line);
    }
    table.appendChild(body);
    wrap.appendChild(table);
  }

  // ---- the gate before RL (gate.json, written by `grpo gate`) ----
  function drawGate() {
    const wrap = document.getElementById('gate-wrap');
    const gate = DATA.gate;
    if (!gate || !Array.isArray(gate.checks)) { wrap.hidden = true; return; }
    wrap.appendChild(element('h3', { text: 'Gate before RL: ' + (gate.passed ? 'passed' : 'not passed') }));
    const table = element('table', { class: 'eval-table', id: 'gate-table', 'data-passed': gate.passed ? '1' : '0' });
    table.appendChild(element('thead', {}, [element('tr', {}, ['check', 'value', 'needs', 'verdict'].map((text) => element('th', { text: text })))]));
    const body = element('tbody');
    for (const check of gate.checks) {
      body.appendChild(element('tr', {}, [
        element('td', { text: String(check.name) }),
        element('td', { text: isNumber(check.value) ? formatNumber(check.value) : 'not measured' }),
        element('td', { text: '≥ ' + formatNumber(check.threshold) }),
        element('td', { text: check.passed ? 'pass' : 'FAIL' })]));
    }
    table.appendChild(body);
    wrap.appendChild(table);
    for (const note of Array.isArray(gate.notes) ? gate.notes : []) {
      wrap.appendChild(element('p', { class: 'note gate-note', text: String(note.name) + ': ' + (isNumber(note.value) ? formatNumber(note.value) : 'not measured') + ' (not a check)' }));
    }
    const prefill = gate.forced && typeof gate.forced.prefill === 'string' ? gate.forced.prefill : '';
    wrap.appendChild(element('p', { class: 'note', text: 'Before RL, on the same held-out problems: direct answering against the forced chain prefix "' + prefill + '".' }));
  }

  // ---- completion browser ----
  const steps = DATA.completions.steps;
  const state = { step: null, sort: 'order', filter: '', reason: '', question: '', min: '', max: '', shown: PAGE_SIZE };
  const SORTS = {
    order: ['log order', (a, b) => a.step - b.step || a.c.group - b.c.group || a.c.sample - b.c.sample],
    'reward-desc': ['reward, high first', (a, b) => numberOrder(b.c.reward, a.c.reward)],
    'reward-asc': ['reward, low first', (a, b) => numberOrder(a.c.reward, b.c.reward)],
    'advantage-desc': ['advantage, high first', (a, b) => numberOrder(b.c.advantage, a.c.advantage)],
    'advantage-asc': ['advantage, low first', (a, b) => numberOrder(a.c.advantage, b.c.advantage)],
    'length-desc': ['length, long first', (a, b) => b.c.length - a.c.length],
    'length-asc': ['length, short first', (a, b) => a.c.length - b.c.length],
  };
  function numberOrder(a, b) {
    if (!isNumber(a)) return isNumber(b) ? 1 : 0;
    if (!isNumber(b)) return -1;
    return a - b;
  }
  function readHash() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ''));
    const step = params.get('step');
    if (step === 'all') state.step = 'all';
    else if (step !== null && steps.some((s) => String(s.step) === step)) state.step = Number(step);
    else if (state.step === null) state.step = steps.length ? steps[steps.length - 1].step : 'all';
    const sort = params.get('sort');
    state.sort = sort && SORTS[sort] ? sort : 'order';
    state.filter = params.get('filter') || '';
    state.reason = params.get('reason') || '';
    state.question = params.get('question') || '';
    state.min = params.get('min') || '';
    state.max = params.get('max') || '';
  }
  function writeHash() {
    const params = new URLSearchParams();
    params.set('step', String(state.step));
    if (state.sort !== 'order') params.set('sort', state.sort);
    for (const key of ['filter', 'reason', 'question', 'min', 'max']) if (state[key]) params.set(key, state[key]);
    try { history.replaceState(null, '', '#' + params.toString()); } catch (ignored) { /* file: URLs in some browsers */ }
  }
  function lowerText(item) {
    if (item.lower === undefined) item.lower = (item.c.pre + (item.c.think || '') + item.c.post).toLowerCase();
    return item.lower;
  }
  const allItems = [];
  for (const s of steps) for (const c of s.completions) allItems.push({ step: s.step, stepData: s, c: c, q: s.questions[c.question] || {} });

  function matchingItems() {
    const filter = state.filter.toLowerCase(), reason = state.reason.toLowerCase();
    const low = state.min === '' ? -Infinity : Number(state.min);
    const high = state.max === '' ? Infinity : Number(state.max);
    const items = allItems.filter((item) => {
      if (state.step !== 'all' && item.step !== state.step) return false;
      if (state.question && item.q.id !== state.question) return false;
      if (state.min !== '' || state.max !== '') {
        if (!isNumber(item.c.reward) || item.c.reward < low || item.c.reward > high) return false;
      }
      if (filter && !lowerText(item).includes(filter)) return false;
      if (reason && !item.c.rewards.some((r) => String(r[2]).toLowerCase().includes(reason))) return false;
      return true;
    });
    return items.sort(SORTS[state.sort][1]);
  }

  function completionCard(item) {
    const c = item.c;
    const card = element('article', { class: 'completion', 'data-step': item.step, 'data-group': c.group, 'data-sample': c.sample });
    const tone = !isNumber(c.advantage) || c.advantage === 0 ? 'neutral' : c.advantage > 0 ? 'good' : 'bad';
    const questionLink = element('a', { href: '#', class: 'question-link', title: 'Follow this question across steps', text: item.q.id || '(no id)' });
    questionLink.addEventListener('click', (event) => {
      event.preventDefault();
      state.question = item.q.id || ''; state.step = 'all'; state.shown = PAGE_SIZE;
      syncControls(); writeHash(); renderCompletions();
    });
    card.appendChild(element('header', {}, [
      element('span', { class: 'where', text: 'step ' + item.step + ' · group ' + c.group + ' · sample ' + c.sample + ' · question ' }),
      questionLink,
      element('span', { class: 'badge ' + tone, text: 'reward ' + formatNumber(c.reward) }),
      element('span', { class: 'meta', text: 'advantage ' + (isNumber(c.advantage) ? (c.advantage >= 0 ? '+' : '') + c.advantage.toFixed(3) : '–') }),
      element('span', { class: 'meta', text: c.length + ' tokens' }),
      element('span', { class: 'meta finish-' + c.finish, text: c.finish }),
    ]));
    const question = element('details', { class: 'question' });
    const questionText = String(item.q.text || '');
    question.appendChild(element('summary', { text: 'question: ' + (questionText.length > 160 ? questionText.slice(0, 160) + '…' : questionText) }));
    question.appendChild(element('pre', { text: questionText }));
    card.appendChild(question);
    card.appendChild(element('div', { class: 'gold' }, [element('span', { class: 'label', text: 'gold ' }), element('code', { text: String(item.q.gold || '') }),
      element('span', { class: 'label', text: '  answer ' }), element('code', { class: c.answer == null ? 'missing' : '', text: c.answer == null ? '(none)' : c.answer })]));
    if (c.rewards.length) {
      const table = element('table', { class: 'rewards' });
      for (const [name, score, reason] of c.rewards) {
        table.appendChild(element('tr', {}, [element('td', { class: 'name', text: name }), element('td', { class: 'score', text: score === null ? 'n/a' : formatNumber(score) }), element('td', { text: reason })]));
      }
      card.appendChild(table);
    }
    const body = element('div', { class: 'text' });
    if (c.pre) body.appendChild(element('span', { text: c.pre }));
    if (c.think !== null) {
      const think = element('details', { class: 'think' });
      if (document.getElementById('expand-think').checked) think.open = true;
      think.appendChild(element('summary', { text: reasoningLabel(c.think) }));
      think.appendChild(element('div', { class: 'think-text', text: c.think }));
      body.appendChild(think);
    }
    if (c.post) body.appendChild(element('span', { text: c.post }));
    card.appendChild(body);
    if (c.cut) card.appendChild(element('p', { class: 'note', text: 'This completion was shortened for the report; `grpo logs --step ' + item.step + '` prints it whole.' }));
    return card;
  }

  let visibleCount = 0;
  function renderCompletions() {
    const list = document.getElementById('completion-list');
    list.textContent = '';
    const items = matchingItems();
    visibleCount = items.length;
    const scope = state.step === 'all' ? allItems.length : allItems.filter((item) => item.step === state.step).length;
    document.getElementById('visible-summary').textContent =
      items.length + ' of ' + scope + ' embedded completions match' + (items.length > state.shown ? ' (showing the first ' + state.shown + ')' : '') + '.';
    list.setAttribute('data-visible', String(items.length));
    for (const item of items.slice(0, state.shown)) list.appendChild(completionCard(item));
    document.getElementById('show-more').hidden = items.length <= state.shown;
    statusElement.setAttribute('data-visible', String(items.length));
  }

  function syncControls() {
    document.getElementById('step-select').value = String(state.step);
    document.getElementById('sort-select').value = state.sort;
    document.getElementById('text-filter').value = state.filter;
    document.getElementById('reason-filter').value = state.reason;
    document.getElementById('question-filter').value = state.question;
    document.getElementById('min-reward').value = state.min;
    document.getElementById('max-reward').value = state.max;
  }

  function setUpBrowser() {
    const stepSelect = document.getElementById('step-select');
    stepSelect.appendChild(element('option', { value: 'all', text: 'all embedded steps' }));
    for (const s of steps) {
      stepSelect.appendChild(element('option', { value: String(s.step), text: 'step ' + s.step + ' (' + s.completions.length + ' of ' + s.logged + ')' }));
    }
    const sortSelect = document.getElementById('sort-select');
    for (const [key, [label]] of Object.entries(SORTS)) sortSelect.appendChild(element('option', { value: key, text: label }));
    readHash();
    syncControls();
    const update = () => {
      const step = stepSelect.value;
      state.step = step === 'all' ? 'all' : Number(step);
      state.sort = sortSelect.value;
      state.filter = document.getElementById('text-filter').value;
      state.reason = document.getElementById('reason-filter').value;
      state.question = document.getElementById('question-filter').value;
      state.min = document.getElementById('min-reward').value;
      state.max = document.getElementById('max-reward').value;
      state.shown = PAGE_SIZE;
      writeHash();
      renderCompletions();
    };
    let timer = null;
    const later = () => { clearTimeout(timer); timer = setTimeout(update, 150); };
    stepSelect.addEventListener('change', update);
    sortSelect.addEventListener('change', update);
    for (const id of ['text-filter', 'reason-filter', 'question-filter', 'min-reward', 'max-reward']) {
      document.getElementById(id).addEventListener('input', later);
    }
    document.getElementById('expand-think').addEventListener('change', (event) => {
      for (const node of document.querySelectorAll('#completion-list details.think')) node.open = event.target.checked;
    });
    document.getElementById('show-more').addEventListener('click', () => { state.shown += PAGE_SIZE; renderCompletions(); });
    window.addEventListener('hashchange', () => { readHash(); syncControls(); renderCompletions(); });
    renderCompletions();
  }

  function describeSampling() {
    const info = DATA.completions;
    const note = document.getElementById('sampling-note');
    if (!info.steps_logged) {
      note.textContent = 'No completions were logged (rollouts/ is empty or absent).';
      return;
    }
    const embedded = steps.reduce((sum, s) => sum + s.completions.length, 0);
    const logged = steps.reduce((sum, s) => sum + s.logged, 0);
    let text = 'Completions were logged for ' + info.steps_logged + ' steps (' + info.first_step + ' to ' + info.last_step + '). ';
    if (steps.length < info.steps_logged) {
      text += 'To keep this page small it embeds ' + steps.length + ' of them, evenly spaced (first and last included), ';
    } else {
      text += 'This page embeds all ' + steps.length + ' steps, ';
    }
    text += 'with ' + embedded + ' of their ' + logged + ' completions (at most ' + info.limits.per_step + ' per step; texts over ' +
      info.limits.max_chars + ' bytes are shortened in the middle). All steps are charted. `grpo logs RUN_DIR --step N` reads any step in full.';
    note.textContent = text;
  }

  function describeRun() {
    document.getElementById('run-title').textContent = DATA.title;
    const last = DATA.metrics.length ? DATA.metrics[DATA.metrics.length - 1] : null;
    const parts = [DATA.run_dir, DATA.metrics.length + ' steps of metrics', DATA.evals.length + ' evaluations'];
    if (last && isNumber(last.elapsed)) parts.push(formatDuration(last.elapsed) + ' elapsed');
    parts.push('report written ' + DATA.generated);
    document.getElementById('run-meta').textContent = parts.join(' · ');
    document.getElementById('config-text').textContent = DATA.config === null ? '(no config.toml in the run directory)' : DATA.config;
    const warnings = document.getElementById('warnings');
    if (DATA.warnings.length) {
      warnings.appendChild(element('p', { text: 'Reading the logs gave ' + DATA.warnings.length + ' warning(s):' }));
      const list = element('ul');
      for (const warning of DATA.warnings.slice(0, 20)) list.appendChild(element('li', { text: warning }));
      warnings.appendChild(list);
      warnings.hidden = false;
    }
  }

  try {
    describeRun();
    const slider = document.getElementById('smoothing');
    const sliderValue = document.getElementById('smoothing-value');
    slider.addEventListener('input', () => {
      sliderValue.textContent = Number(slider.value).toFixed(2);
      drawTrainingCharts(Number(slider.value));
    });
    drawTrainingCharts(0);
    drawEvalTable();
    drawGate();
    describeSampling();
    setUpBrowser();
  } catch (error) {
    noteError(error && error.message ? error.message : error);
  } finally {
    statusElement.setAttribute('data-points', String(chartPoints));
    statusElement.setAttribute('data-charts', String(chartCount));
    statusElement.setAttribute('data-visible', String(visibleCount));
    statusElement.setAttribute('data-ready', '1');
    if (!errors.length) {
      statusElement.className = 'status status-ok';
      statusElement.textContent = 'Page ready: ' + chartCount + ' charts with ' + chartPoints + ' data points; ' + allItems.length + ' completions embedded.';
    }
  }
})();
