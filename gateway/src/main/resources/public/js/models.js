'use strict';
// Models: every version in the registry with its lineage (the base model chain it was fine-tuned from, the dataset
// version it was trained on), its test scores, the provenance of pretrained weights, and whether it is loaded.
(function (ft) {
  const $ = ft.$;

  function ref(name, version) {
    return name + ' v' + version;
  }

  /** The chain of base models above a version, nearest first, as far as the registry knows them. */
  function ancestors(byKey, version) {
    const chain = [];
    const seen = new Set();
    for (let p = version.parent; p && !seen.has(p.name + '@' + p.version);) {
      seen.add(p.name + '@' + p.version);
      chain.push(p);
      p = (byKey[p.name + '@' + p.version] || {}).parent;
    }
    return chain;
  }

  function lineage(byKey, v) {
    const parts = [];
    const chain = ancestors(byKey, v);
    if (chain.length) {
      const text = 'from ' + chain.map((p) => ref(p.name, p.version)).join(' ← ');
      parts.push(ft.make('div', { class: 'chain', text }));
    } else {
      const text = v.kind === 'PRETRAINED' ? 'imported weights' : 'from random weights';
      parts.push(ft.make('div', { class: 'chain muted', text }));
    }
    if (v.dataset) parts.push(ft.make('div', { text: 'data ' + ref(v.dataset.name, v.dataset.version) }));
    return parts;
  }

  function provenance(v) {
    const parts = [];
    if (v.pretrained) {
      const w = v.pretrained;
      parts.push(ft.make('div', { class: 'weights', text: w.fileName }));
      parts.push(ft.make('div', { class: 'sha', title: w.sha256, text: 'sha256 ' + w.sha256.slice(0, 16) + '…' }));
      parts.push(ft.make('div', { text: w.licence + ' · ' + w.origin }));
    }
    if (v.createdAt) parts.push(ft.make('div', { class: 'muted', text: ft.time(v.createdAt) }));
    return parts;
  }

  function actions(model, v) {
    const predict = ft.make('button', { type: 'button', class: 'predict-with', text: 'Predict' });
    predict.addEventListener('click', () => ft.predictWith(model.name, v.version));
    const tune = ft.make('button', { type: 'button', class: 'finetune-from', text: 'Fine-tune from' });
    tune.addEventListener('click', () => ft.fineTuneFrom(model.name, v.version));
    return [predict, tune];
  }

  function modelCard(model, byKey) {
    const head = ft.make('tr', {}, ['Version', 'Kind', 'Architecture', 'Classes', 'Size', 'Lineage',
      'Test acc. (top-5)', 'Provenance', 'Loaded', ''].map((t) => ft.make('th', { text: t })));
    const rows = [...model.versions].reverse().map((v) => ft.make('tr', { 'data-model': model.name,
      'data-version': v.version }, [
      ft.td('v' + v.version + (v.version === model.latestVersion ? ' (latest)' : '')),
      ft.td([ft.make('span', { class: 'kind ' + v.kind, text: v.kind })]), ft.td(v.architecture), ft.td(v.classCount),
      ft.td(v.imageSize + ' px'), ft.td(lineage(byKey, v), { class: 'lineage' }),
      ft.td(v.test ? ft.pct(v.test.accuracy) + ' (' + ft.pct(v.test.top5Accuracy) + ')' : '', { class: 'test' }),
      ft.td(provenance(v), { class: 'provenance' }),
      ft.td(v.serving === 'ACTIVE' ? 'served' : v.serving === 'ON_DEMAND' ? 'on demand' : ''),
      ft.td(actions(model, v), { class: 'actions' })]));
    return ft.make('div', { class: 'model-card', 'data-model': model.name }, [
      ft.make('h3', { text: model.name }), ft.make('table', { class: 'versions' }, [ft.make('thead', {}, [head]),
        ft.make('tbody', {}, rows)])]);
  }

  async function refresh() {
    const list = $('models-list');
    try {
      const models = await ft.registry();
      const byKey = {};
      for (const m of models) for (const v of m.versions) byKey[m.name + '@' + v.version] = v;
      list.innerHTML = '';
      for (const m of models) list.appendChild(modelCard(m, byKey));
      $('models-registry-status').textContent = models.length + ' model(s), '
        + models.reduce((n, m) => n + m.versions.length, 0) + ' version(s)';
    } catch (e) {
      $('models-registry-status').textContent = 'registry unavailable: ' + e.message;
    }
  }

  ft.register('models', refresh);
})(window.finetune);
