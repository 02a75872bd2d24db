'use strict';
// The gateway's page: predictions and training jobs through /api/v1 only. No libraries, works offline.
(function () {
  const $ = (id) => document.getElementById(id);
  const keyInput = $('api-key');
  keyInput.value = localStorage.getItem('finetune.apiKey') || '';
  keyInput.addEventListener('change', () => localStorage.setItem('finetune.apiKey', keyInput.value.trim()));

  function headers(extra) {
    const h = Object.assign({}, extra || {});
    const key = keyInput.value.trim();
    if (key) h['X-API-Key'] = key;
    return h;
  }

  async function errorText(response) {
    try {
      const body = await response.json();
      if (body && body.message) return body.message + ' (HTTP ' + response.status + ')';
    } catch (e) { /* not JSON */ }
    return 'HTTP ' + response.status + ' ' + response.statusText;
  }

  // ---- tabs ----
  function showTab() {
    const jobs = location.hash === '#jobs';
    $('predict-view').hidden = jobs;
    $('jobs-view').hidden = !jobs;
    $('tab-predict').classList.toggle('active', !jobs);
    $('tab-jobs').classList.toggle('active', jobs);
    if (jobs) refreshJobs();
  }
  window.addEventListener('hashchange', showTab);

  // ---- models ----
  function modelEntries(body) {
    const list = Array.isArray(body) ? body : (body && (body.models || body.items)) || [];
    return list.map((m) => typeof m === 'string' ? { name: m }
      : { name: m.name || m.modelName, version: m.version || m.activeVersion || (m.manifest && m.manifest.version) });
  }

  async function loadModels() {
    const select = $('model-select');
    try {
      const r = await fetch('api/v1/models', { headers: headers() });
      if (!r.ok) throw new Error(await errorText(r));
      const models = modelEntries(await r.json()).filter((m) => m.name);
      select.innerHTML = '';
      for (const m of models) {
        const o = document.createElement('option');
        o.value = m.name;
        o.textContent = m.version ? m.name + ' (v' + m.version + ')' : m.name;
        select.appendChild(o);
      }
      $('models-status').textContent = models.length ? models.length + ' model(s)' : 'no models published yet';
    } catch (e) {
      $('models-status').textContent = 'models unavailable: ' + e.message;
    }
  }

  // ---- predictions ----
  function predictionEntries(body) {
    const list = body.top || body.predictions || body.classes || [];
    return list.map((p) => ({
      label: p.className || p.label || p.name || p['class'] || String(p.index),
      probability: Number(p.probability !== undefined ? p.probability : p.score)
    }));
  }

  function predictionVersion(body) {
    if (body.version) return body.version;
    if (body.modelVersion) return body.modelVersion;
    if (body.model && typeof body.model === 'object') return body.model.version;
    return undefined;
  }

  async function predict(file) {
    const error = $('predict-error');
    error.hidden = true;
    const preview = $('preview');
    preview.src = URL.createObjectURL(file);
    preview.hidden = false;
    const model = $('model-select').value;
    if (!model) {
      error.textContent = 'No model to predict with: none is published yet, or the model list could not be loaded.';
      error.hidden = false;
      return;
    }
    try {
      const r = await fetch('api/v1/predict/' + encodeURIComponent(model) + '?topK=5', {
        method: 'POST',
        headers: headers({ 'Content-Type': file.type || 'application/octet-stream' }),
        body: file
      });
      if (!r.ok) throw new Error(await errorText(r));
      const body = await r.json();
      const list = $('prediction-list');
      list.innerHTML = '';
      for (const p of predictionEntries(body).slice(0, 5)) {
        const li = document.createElement('li');
        const pct = (p.probability * 100);
        li.innerHTML = '<span class="label"></span><span class="bar"><span></span></span><span class="prob"></span>';
        li.querySelector('.label').textContent = p.label;
        li.querySelector('.bar span').style.width = Math.max(0, Math.min(100, pct)).toFixed(1) + '%';
        li.querySelector('.prob').textContent = pct.toFixed(1) + '%';
        list.appendChild(li);
      }
      const version = predictionVersion(body);
      $('prediction-model').textContent = '— ' + (body.modelName || (typeof body.model === 'string' ? body.model : model))
        + (version ? ' version ' + version : '');
      $('prediction').hidden = false;
    } catch (e) {
      $('prediction').hidden = true;
      error.textContent = 'Prediction failed: ' + e.message;
      error.hidden = false;
    }
  }

  const zone = $('drop-zone');
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    if (e.dataTransfer.files.length) predict(e.dataTransfer.files[0]);
  });
  $('file-input').addEventListener('change', (e) => { if (e.target.files.length) predict(e.target.files[0]); });

  // ---- jobs and curves ----
  const PALETTE = { FINETUNE: ['#2f80ed', '#1b4f9c', '#6aa8f7'], SCRATCH: ['#f2994a', '#b5651d', '#f7c08a'],
    BASE: ['#27ae60', '#1b7a43', '#6fcf97'] };
  const SVG = 'http://www.w3.org/2000/svg';

  function el(name, attrs, text) {
    const e = document.createElementNS(SVG, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function drawChart(jobs) {
    const svg = $('chart');
    const legend = $('legend');
    svg.innerHTML = '';
    legend.innerHTML = '';
    const W = 720, H = 320, L = 48, R = 16, T = 16, B = 40;
    const series = jobs.filter((j) => j.epochs && j.epochs.length).slice(0, 8);
    const maxEpoch = Math.max(2, ...series.map((j) => j.epochs.length));
    const x = (i) => L + (W - L - R) * (i - 1) / (maxEpoch - 1);
    const y = (v) => T + (H - T - B) * (1 - v);
    for (let t = 0; t <= 10; t += 2) {
      const v = t / 10;
      svg.appendChild(el('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: '#e7ebf2' }));
      svg.appendChild(el('text', { x: L - 8, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#6b7385' },
        (v * 100).toFixed(0) + '%'));
    }
    const step = Math.max(1, Math.ceil(maxEpoch / 12));
    for (let i = 1; i <= maxEpoch; i += step) {
      svg.appendChild(el('text', { x: x(i), y: H - B + 16, 'text-anchor': 'middle', 'font-size': 11, fill: '#6b7385' }, i));
    }
    svg.appendChild(el('text', { x: (L + W - R) / 2, y: H - 6, 'text-anchor': 'middle', 'font-size': 12, fill: '#1d2330' }, 'epoch'));
    svg.appendChild(el('line', { x1: L, x2: L, y1: T, y2: H - B, stroke: '#a8b3c7' }));
    svg.appendChild(el('line', { x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: '#a8b3c7' }));
    if (!series.length) {
      svg.appendChild(el('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', fill: '#6b7385' }, 'no finished epochs yet'));
      return;
    }
    const used = {};
    for (const job of series) {
      const kind = job.kind || 'BASE';
      const colors = PALETTE[kind] || PALETTE.BASE;
      used[kind] = (used[kind] || 0) + 1;
      const color = colors[(used[kind] - 1) % colors.length];
      const dash = kind === 'SCRATCH' ? '6 4' : '';
      const points = job.epochs.map((e, i) => x(i + 1).toFixed(1) + ',' + y(e.validationAccuracy).toFixed(1));
      svg.appendChild(el('polyline', { points: points.join(' '), fill: 'none', stroke: color, 'stroke-width': 2.5,
        'stroke-dasharray': dash, 'data-job': job.jobId }));
      job.epochs.forEach((e, i) => {
        const c = el('circle', { cx: x(i + 1), cy: y(e.validationAccuracy), r: 3, fill: color });
        c.appendChild(el('title', {}, job.jobId + ' epoch ' + e.epoch + ' (' + e.phase + '): ' + (e.validationAccuracy * 100).toFixed(1) + '%'));
        svg.appendChild(c);
      });
      const li = document.createElement('li');
      li.innerHTML = '<svg width="28" height="10"><line x1="0" y1="5" x2="28" y2="5" stroke="' + color
        + '" stroke-width="3" stroke-dasharray="' + dash + '"/></svg><span></span>';
      li.querySelector('span').textContent = kind + ' ' + (job.modelName || '') + ' (' + job.jobId.slice(0, 18) + ')';
      legend.appendChild(li);
    }
  }

  function pct(v) { return v === undefined || v === null ? '' : (v * 100).toFixed(1) + '%'; }

  function drawTable(jobs) {
    const body = document.querySelector('#jobs-table tbody');
    body.innerHTML = '';
    for (const j of jobs) {
      const last = j.epochs && j.epochs.length ? j.epochs[j.epochs.length - 1] : null;
      const tr = document.createElement('tr');
      const cells = [j.jobId, j.kind || '', j.modelName || '', '', last ? last.epoch + '/' + last.totalEpochs : '',
        last ? pct(last.validationAccuracy) : '', j.test ? pct(j.test.accuracy) : '',
        j.updatedAt ? new Date(j.updatedAt).toLocaleString() : ''];
      cells.forEach((c, i) => {
        const td = document.createElement('td');
        if (i === 3) {
          const s = document.createElement('span');
          s.className = 'status ' + j.status;
          s.textContent = j.status + (j.cancelRequested && !['CANCELLED', 'COMPLETED', 'FAILED'].includes(j.status) ? ' (cancelling)' : '');
          if (j.reason) s.title = j.reason;
          td.appendChild(s);
        } else {
          td.textContent = c;
        }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    }
  }

  async function refreshJobs() {
    try {
      const r = await fetch('api/v1/jobs?limit=50');
      if (!r.ok) throw new Error(await errorText(r));
      const jobs = await r.json();
      drawChart(jobs);
      drawTable(jobs);
      $('jobs-status').textContent = jobs.length + ' job(s), updated ' + new Date().toLocaleTimeString();
    } catch (e) {
      $('jobs-status').textContent = 'jobs unavailable: ' + e.message;
    }
  }

  setInterval(() => { if (!$('jobs-view').hidden) refreshJobs(); }, 2000);
  loadModels();
  showTab();
})();
