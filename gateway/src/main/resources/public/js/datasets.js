'use strict';
// Datasets: upload an archive (upload progress from the browser, then the ingest's own progress from the dataset
// service), and each dataset's versions with their image counts per split and class and the files rejected.
(function (ft) {
  const $ = ft.$;
  const POLL_MS = 500;
  const SPLITS = ['train', 'validation', 'test'];

  function contentType(fileName) {
    const name = fileName.toLowerCase();
    if (name.endsWith('.zip')) return 'application/zip';
    if (name.endsWith('.tar.gz') || name.endsWith('.tgz')) return 'application/gzip';
    if (name.endsWith('.tar')) return 'application/x-tar';
    return 'application/octet-stream';
  }

  /** Query parameters of the upload: split shares (train is the rest) and the seed, when given. */
  function options() {
    const q = new URLSearchParams();
    const validation = $('upload-validation').value, test = $('upload-test').value, seed = $('upload-seed').value;
    if (validation !== '' || test !== '') {
      const v = validation === '' ? 0.1 : Number(validation), t = test === '' ? 0.1 : Number(test);
      q.set('train', String(Math.round((1 - v - t) * 1e6) / 1e6));
      q.set('validation', String(v));
      q.set('test', String(t));
    }
    if (seed !== '') q.set('seed', seed);
    const text = q.toString();
    return text ? '?' + text : '';
  }

  function bar(id, fraction) {
    $(id).style.width = (Math.max(0, Math.min(1, fraction)) * 100).toFixed(1) + '%';
  }

  function upload(event) {
    event.preventDefault();
    const name = $('upload-name').value.trim();
    const file = $('upload-file').files[0];
    ft.showError($('upload-error'), '');
    if (!name || !file) {
      ft.showError($('upload-error'), 'Choose a dataset name and an archive first.');
      return;
    }
    $('upload-status').hidden = false;
    $('upload-button').disabled = true;
    bar('upload-bar', 0);
    bar('ingest-bar', 0);
    $('upload-text').textContent = 'starting';
    $('ingest-text').textContent = 'waiting for the upload';
    let progressEvents = 0;
    const xhr = new XMLHttpRequest();
    xhr.open('POST', 'api/v1/datasets/' + encodeURIComponent(name) + options());
    const h = ft.headers({ 'Content-Type': contentType(file.name) });
    for (const k in h) xhr.setRequestHeader(k, h[k]);
    xhr.upload.onprogress = (e) => {
      progressEvents++;
      $('upload-status').dataset.uploadEvents = String(progressEvents);
      const total = e.lengthComputable ? e.total : file.size;
      bar('upload-bar', e.loaded / total);
      $('upload-text').textContent = (100 * e.loaded / total).toFixed(0) + '% (' + ft.bytes(e.loaded) + ' of '
        + ft.bytes(total) + ')';
    };
    xhr.onerror = () => {
      $('upload-button').disabled = false;
      ft.showError($('upload-error'), 'Upload failed: the gateway could not be reached.');
    };
    xhr.onload = () => {
      $('upload-button').disabled = false;
      if (xhr.status !== 202) {
        const refused = ft.failure(xhr.status, xhr.statusText, xhr.responseText);
        ft.showError($('upload-error'), 'Upload refused: ' + refused.message);
        $('ingest-text').textContent = '';
        return;
      }
      bar('upload-bar', 1);
      $('upload-text').textContent = '100% (' + ft.bytes(file.size) + ') uploaded';
      const accepted = JSON.parse(xhr.responseText);
      followIngest(accepted.statusUrl || ('/api/v1/datasets/' + accepted.name + '/' + accepted.version));
    };
    xhr.send(file);
  }

  /** Polls the ingest until the version is READY or has FAILED. */
  async function followIngest(statusUrl) {
    const path = statusUrl.replace(/^\//, '');
    while (true) {
      let status;
      try {
        status = await ft.api.get(path);
      } catch (e) {
        ft.showError($('upload-error'), 'Ingest status unavailable: ' + e.message);
        return;
      }
      const p = status.progress;
      if (status.state === 'INGESTING') {
        bar('ingest-bar', p ? p.percent / 100 : 0);
        $('ingest-text').textContent = p ? p.phase + ' ' + p.processed + '/' + p.total + ' (' + p.percent + '%)'
          : 'ingesting';
      } else {
        bar('ingest-bar', 1);
        $('ingest-text').textContent = ingestOutcome(status);
        $('upload-status').dataset.state = status.state;
        if (status.state !== 'READY') {
          ft.showError($('upload-error'), 'Ingest ' + status.state + ': '
            + (status.error || 'see the dataset service log'));
        }
        await refresh();
        if (status.state === 'READY') showVersion(status.name, status.version);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  function ingestOutcome(status) {
    if (status.state !== 'READY') return status.state;
    const rejected = status.rejected ? status.rejected.length : 0;
    return 'READY: ' + status.name + ' version ' + status.version + ', ' + status.images + ' images, '
      + rejected + ' rejected' + (status.identicalTo ? ' (same content as version ' + status.identicalTo
      + ': no new version)' : '');
  }

  async function refresh() {
    const body = document.querySelector('#datasets-table tbody');
    try {
      const datasets = await ft.api.get('api/v1/datasets');
      body.innerHTML = '';
      for (const d of datasets) {
        const buttons = (d.versions || []).map((v) => ft.make('button', { type: 'button', class: 'version ' + v.state,
          'data-dataset': d.name, 'data-version': v.version,
          title: v.state + (v.images ? ', ' + v.images + ' images' : ''),
          text: 'v' + v.version + (v.state === 'READY' ? '' : ' ' + v.state.toLowerCase()) }));
        buttons.forEach((b) => b.addEventListener('click', () => showVersion(b.dataset.dataset, b.dataset.version)));
        body.appendChild(ft.make('tr', {}, [ft.td(d.name), ft.td(d.latest || ''), ft.td(buttons)]));
      }
      $('datasets-status').textContent = datasets.length + ' dataset(s)';
    } catch (e) {
      $('datasets-status').textContent = 'datasets unavailable: ' + e.message;
    }
  }

  async function showVersion(name, version) {
    const detail = $('dataset-detail');
    try {
      const path = 'api/v1/datasets/' + encodeURIComponent(name) + '/' + encodeURIComponent(version);
      render(detail, await ft.api.get(path));
    } catch (e) {
      detail.innerHTML = '';
      detail.appendChild(ft.make('p', { class: 'error',
        text: 'Version ' + version + ' of ' + name + ': ' + e.message }));
    }
    detail.hidden = false;
  }

  function render(detail, v) {
    detail.innerHTML = '';
    detail.dataset.dataset = v.name;
    detail.dataset.version = v.version;
    detail.appendChild(ft.make('h3', { text: v.name + ' version ' + v.version + ' ' }, [
      ft.make('span', { class: 'status ' + v.state, text: v.state })]));
    detail.appendChild(ft.make('p', { class: 'muted', text: [v.images !== undefined ? v.images + ' images' : null,
      v.duplicates ? v.duplicates + ' duplicates stored once' : null, v.seed !== undefined ? 'seed ' + v.seed : null,
      v.fingerprint ? 'fingerprint ' + v.fingerprint.slice(0, 16) + '…' : null,
      v.createdAt ? ft.time(v.createdAt) : null, v.error].filter(Boolean).join(' · ') }));
    if (v.counts) detail.appendChild(countsTable(v.classes || [], v.counts));
    const rejected = v.rejected || [];
    detail.appendChild(ft.make('h4', { text: 'Rejected files (' + rejected.length + ')' }));
    if (rejected.length) {
      const rows = rejected.map((r) => ft.make('tr', {}, [ft.td(r.file),
        ft.td([ft.make('span', { class: 'reason', text: r.reason })]), ft.td(r.detail || '')]));
      detail.appendChild(ft.make('table', { id: 'rejected-table' }, [ft.make('thead', {}, [ft.make('tr', {}, [
        ft.make('th', { text: 'File' }), ft.make('th', { text: 'Reason' }), ft.make('th', { text: 'Detail' })])]),
        ft.make('tbody', {}, rows)]));
    } else {
      detail.appendChild(ft.make('p', { class: 'muted', text: 'none' }));
    }
  }

  function sum(numbers) {
    return numbers.reduce((a, b) => a + b, 0);
  }

  /** Classes down, splits across, totals on both sides. */
  function countsTable(classes, counts) {
    const splits = [...SPLITS.filter((s) => s in counts), ...Object.keys(counts).filter((s) => !SPLITS.includes(s))];
    const names = classes.length ? classes : [...new Set(splits.flatMap((s) => Object.keys(counts[s])))].sort();
    const head = ft.make('tr', {}, [ft.make('th', { text: 'Class' }), ...splits.map((s) => ft.make('th', { text: s })),
      ft.make('th', { text: 'total' })]);
    const rows = names.map((c) => {
      const n = splits.map((s) => (counts[s] || {})[c] || 0);
      return ft.make('tr', { 'data-class': c }, [ft.td(c), ...n.map((k) => ft.td(k)), ft.td(sum(n))]);
    });
    const totals = splits.map((s) => sum(Object.values(counts[s] || {})));
    rows.push(ft.make('tr', { class: 'total' }, [ft.td('total'), ...totals.map((k) => ft.td(k)), ft.td(sum(totals))]));
    return ft.make('table', { id: 'counts-table' }, [ft.make('thead', {}, [head]), ft.make('tbody', {}, rows)]);
  }

  $('upload-form').addEventListener('submit', upload);
  ft.register('datasets', refresh);
})(window.finetune);
