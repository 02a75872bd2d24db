'use strict';
// Training jobs: every job's validation curve, the table (with cancel), and the selected job in detail: training
// and validation accuracy per epoch over its phases (head, unfreeze for a FINETUNE; train otherwise), refreshed live.
(function (ft) {
  const $ = ft.$;
  const REFRESH_MS = 2000;
  const FINAL = ['COMPLETED', 'FAILED', 'CANCELLED'];
  const PALETTE = { FINETUNE: ['#2f80ed', '#1b4f9c', '#6aa8f7'], SCRATCH: ['#f2994a', '#b5651d', '#f7c08a'],
    BASE: ['#27ae60', '#1b7a43', '#6fcf97'] };
  const PHASE_FILL = { head: '#eef5ff', unfreeze: '#fff4e5', train: '#f3faf5' };

  function last(job) {
    return job.epochs && job.epochs.length ? job.epochs[job.epochs.length - 1] : null;
  }

  /**
   * The phase a job is in: for a running job the phase of the epoch under way (a FINETUNE runs hyperParameters.epochs
   * head epochs, then unfreeze.epochs), else that of its last finished epoch.
   */
  function phase(job) {
    const done = last(job);
    if (FINAL.includes(job.status)) return done ? done.phase : '';
    if (job.kind !== 'FINETUNE') return job.status === 'RUNNING' ? 'train' : '';
    const h = job.hyperParameters;
    const finished = job.epochs ? job.epochs.length : 0;
    if (!h) return done ? done.phase : '';
    return finished < h.epochs ? 'head' : (h.unfreeze ? 'unfreeze' : 'head');
  }

  function drawOverview(jobs) {
    const used = {};
    const series = jobs.filter((j) => j.epochs && j.epochs.length).slice(0, 8).map((job) => {
      const kind = job.kind || 'BASE';
      const colors = PALETTE[kind] || PALETTE.BASE;
      used[kind] = (used[kind] || 0) + 1;
      return {
        label: kind + ' ' + (job.modelName || '') + ' (' + job.jobId.slice(0, 18) + ')',
        color: colors[(used[kind] - 1) % colors.length], dash: kind === 'SCRATCH' ? '6 4' : '',
        attrs: { 'data-job': job.jobId },
        points: job.epochs.map((e, i) => ({ x: i + 1, y: e.validationAccuracy,
          title: job.jobId + ' epoch ' + e.epoch + ' (' + e.phase + '): ' + ft.pct(e.validationAccuracy) }))
      };
    });
    ft.lineChart($('chart'), $('legend'), series, [], 'no finished epochs yet');
  }

  async function cancel(jobId) {
    ft.showError($('cancel-error'), '');
    try {
      await ft.api.del('api/v1/jobs/' + encodeURIComponent(jobId));
      await refresh();
    } catch (e) {
      ft.showError($('cancel-error'), 'Cancel of ' + jobId + ' refused: ' + e.message);
    }
  }

  function cancelButton(job) {
    if (FINAL.includes(job.status) || job.cancelRequested) return '';
    const b = ft.make('button', { type: 'button', class: 'cancel', 'data-job': job.jobId, text: 'Cancel' });
    b.addEventListener('click', (e) => {
      e.stopPropagation();
      cancel(job.jobId);
    });
    return b;
  }

  function drawTable(jobs) {
    const body = document.querySelector('#jobs-table tbody');
    body.innerHTML = '';
    for (const j of jobs) {
      const done = last(j);
      const status = ft.make('span', { class: 'status ' + j.status, title: j.reason || undefined,
        text: j.status + (j.cancelRequested && !FINAL.includes(j.status) ? ' (cancelling)' : '') });
      const p = phase(j);
      const tr = ft.make('tr', { 'data-job': j.jobId, class: j.jobId === ft.selectedJob ? 'selected' : '' }, [
        ft.td(j.jobId), ft.td(j.kind || ''), ft.td(j.modelName || ''), ft.td([status]),
        ft.td(p ? [ft.make('span', { class: 'phase ' + p, text: p })] : []),
        ft.td(done ? done.epoch + '/' + done.totalEpochs : ''), ft.td(done ? ft.pct(done.validationAccuracy) : ''),
        ft.td(j.test ? ft.pct(j.test.accuracy) : ''), ft.td(ft.time(j.updatedAt)), ft.td([cancelButton(j)])]);
      tr.addEventListener('click', () => {
        ft.selectedJob = j.jobId;
        refresh();
      });
      body.appendChild(tr);
    }
  }

  /** Phase bands over the epochs a job has finished (consecutive epochs of one phase). */
  function bands(job) {
    const out = [];
    job.epochs.forEach((e, i) => {
      const band = out[out.length - 1];
      if (band && band.label === e.phase) band.to = i + 1;
      else out.push({ from: i + 1, to: i + 1, label: e.phase, fill: PHASE_FILL[e.phase] || '#f5f6f8' });
    });
    return out;
  }

  function drawDetail(job) {
    const detail = $('job-detail');
    if (!job) {
      detail.hidden = true;
      return;
    }
    detail.hidden = false;
    detail.dataset.job = job.jobId;
    $('job-detail-title').textContent = (job.kind || '') + ' ' + (job.modelName || '') + ' · ' + job.jobId;
    const status = $('job-detail-status');
    status.className = 'status ' + job.status;
    status.textContent = job.status + (job.cancelRequested && !FINAL.includes(job.status) ? ' (cancelling)' : '');
    const p = phase(job);
    $('job-phase').className = 'phase ' + p;
    $('job-phase').textContent = p ? 'phase: ' + p : '';
    const done = last(job);
    const h = job.hyperParameters || {};
    $('job-detail-summary').textContent = [
      done ? 'epoch ' + done.epoch + ' of ' + done.totalEpochs + ' done' : 'no epoch finished yet',
      job.dataset ? 'dataset ' + job.dataset.name + ' ' + job.dataset.version : null,
      job.baseModel ? 'base ' + job.baseModel.name + ' ' + job.baseModel.version : null,
      h.imageSize ? h.imageSize + ' px, batch ' + h.batchSize + ', lr ' + h.learningRate : null,
      h.unfreeze ? 'unfreeze ' + h.unfreeze.layers + ' layers for ' + h.unfreeze.epochs + ' epochs at lr '
        + h.unfreeze.learningRate : null,
      job.model ? 'published ' + job.model.name + ' v' + job.model.version : null,
      job.test ? 'test accuracy ' + ft.pct(job.test.accuracy) : null,
      job.reason ? job.reason : null].filter(Boolean).join(' · ');
    const points = (key) => job.epochs.map((e, i) => ({ x: i + 1, y: e[key],
      title: 'epoch ' + e.epoch + ' (' + e.phase + '): ' + ft.pct(e[key]) }));
    ft.lineChart($('job-chart'), $('job-legend'), [
      { label: 'validation accuracy', color: '#2f80ed', attrs: { 'data-series': 'validation' },
        points: points('validationAccuracy') },
      { label: 'training accuracy', color: '#27ae60', dash: '6 4', attrs: { 'data-series': 'training' },
        points: points('trainAccuracy') }], bands(job), 'no finished epochs yet');
    const cancelling = $('job-cancel');
    cancelling.hidden = FINAL.includes(job.status) || job.cancelRequested;
    cancelling.onclick = () => cancel(job.jobId);
  }

  async function refresh() {
    if ($('job-detail').dataset.job !== ft.selectedJob) $('job-detail').hidden = true; // not another job's detail
    try {
      const jobs = await ft.api.get('api/v1/jobs?limit=50');
      drawOverview(jobs);
      drawTable(jobs);
      drawDetail(jobs.find((j) => j.jobId === ft.selectedJob));
      $('jobs-status').textContent = jobs.length + ' job(s), updated ' + new Date().toLocaleTimeString();
    } catch (e) {
      $('jobs-status').textContent = 'jobs unavailable: ' + e.message;
    }
  }

  setInterval(() => { if (!$('jobs-view').hidden) refresh(); }, REFRESH_MS);
  ft.register('jobs', refresh);
})(window.finetune);
