'use strict';
// The new-job form: FINETUNE from any registry model (a pretrained backbone or a trained model), or BASE / SCRATCH
// from random weights, with the main hyper-parameters. The gateway's 400s name each broken field; each message is
// shown beside its input.
(function (ft) {
  const $ = ft.$;
  const form = $('job-form');
  let bases = {}; // "name@version" -> {name, version, entry}

  function kind() {
    return $('job-kind').value;
  }

  function showKind() {
    form.dataset.kind = kind();
    if (kind() === 'FINETUNE') applyBase();
    else if (!$('job-architecture').value) $('job-architecture').value = 'seed-cnn';
  }

  /** A FINETUNE keeps its base's architecture and input size: filled in from the base chosen. */
  function applyBase() {
    const base = bases[$('job-base').value];
    const info = $('job-base-info');
    info.innerHTML = '';
    if (!base) {
      info.textContent = 'No model in the registry yet: train a BASE model first, or publish a pretrained backbone.';
      return;
    }
    const v = base.entry;
    $('job-architecture').value = v.architecture;
    $('job-image-size').value = v.imageSize;
    const facts = [v.kind, v.architecture, v.imageSize + ' px', v.classCount + ' classes'];
    if (v.dataset) facts.push('trained on ' + v.dataset.name + ' v' + v.dataset.version);
    if (v.parent) facts.push('from ' + v.parent.name + ' v' + v.parent.version);
    if (v.test) facts.push('test accuracy ' + ft.pct(v.test.accuracy));
    info.appendChild(ft.make('span', { text: facts.join(' · ') }));
    if (v.pretrained) {
      info.appendChild(ft.make('span', { class: 'provenance', text: ' · weights ' + v.pretrained.fileName + ' (sha256 '
        + v.pretrained.sha256.slice(0, 12) + '…, ' + v.pretrained.licence + ', ' + v.pretrained.origin + ')' }));
    }
  }

  function option(value, text, selected) {
    const o = ft.make('option', { value, text });
    if (selected) o.selected = true;
    return o;
  }

  async function loadChoices() {
    ft.showError($('job-error'), '');
    const keepBase = $('job-base').value, keepDataset = $('job-dataset').value;
    try {
      const [models, datasets] = await Promise.all([ft.registry(), ft.api.get('api/v1/datasets')]);
      fillBases(models, keepBase);
      fillDatasets(datasets, keepDataset);
    } catch (e) {
      ft.showError($('job-error'), 'Cannot load the choices: ' + e.message);
    }
    showKind();
  }

  function fillBases(models, keep) {
    const select = $('job-base');
    select.innerHTML = '';
    bases = {};
    const pretrained = ft.make('optgroup', { label: 'Pretrained backbones' });
    const trained = ft.make('optgroup', { label: 'Trained models' });
    for (const m of models) {
      for (const v of [...m.versions].reverse()) {
        const value = m.name + '@' + v.version;
        bases[value] = { name: m.name, version: v.version, entry: v };
        const text = m.name + ' v' + v.version + (v.version === m.latestVersion ? ' (latest)' : '') + ': '
          + v.kind + ', ' + v.architecture + ', ' + v.imageSize + ' px';
        (v.kind === 'PRETRAINED' ? pretrained : trained).appendChild(option(value, text, value === keep));
      }
    }
    for (const group of [pretrained, trained]) if (group.children.length) select.appendChild(group);
  }

  function fillDatasets(datasets, keep) {
    const select = $('job-dataset');
    select.innerHTML = '';
    select.versions = {};
    for (const d of datasets) {
      const ready = (d.versions || []).filter((v) => v.state === 'READY');
      if (!ready.length) continue;
      select.versions[d.name] = ready;
      select.appendChild(option(d.name, d.name, d.name === keep));
    }
    fillDatasetVersions();
  }

  function fillDatasetVersions() {
    const select = $('job-dataset-version');
    const keep = select.value;
    select.innerHTML = '';
    select.appendChild(option('latest', 'latest', keep === 'latest'));
    const versions = ($('job-dataset').versions || {})[$('job-dataset').value] || [];
    for (const v of [...versions].reverse()) {
      select.appendChild(option(v.version, 'v' + v.version + (v.images ? ' (' + v.images + ' images)' : ''),
        keep === v.version));
    }
  }

  function number(id) {
    const text = $(id).value.trim();
    return text === '' ? undefined : Number(text);
  }

  /** The body of POST /api/v1/jobs; fields left empty are left out (the trainer's defaults). */
  function request() {
    const finetune = kind() === 'FINETUNE';
    const base = bases[$('job-base').value];
    const h = {
      epochs: number('job-epochs'), batchSize: number('job-batch'), learningRate: number('job-lr'),
      imageSize: number('job-image-size'), labelSmoothing: number('job-label-smoothing'),
      schedule: $('job-schedule').value || undefined, weightDecay: number('job-weight-decay')
    };
    if (finetune) {
      h.views = number('job-views');
      h.dropout = number('job-dropout');
      const layers = number('job-unfreeze-layers');
      if (layers) {
        h.unfreeze = { layers, epochs: number('job-unfreeze-epochs'), learningRate: number('job-unfreeze-lr') };
      }
    }
    return {
      kind: kind(), modelName: $('job-model').value.trim(),
      dataset: { name: $('job-dataset').value, version: $('job-dataset-version').value || 'latest' },
      baseModel: finetune && base ? { name: base.name, version: base.version } : undefined,
      architecture: $('job-architecture').value.trim(), hyperParameters: h, seed: number('job-seed')
    };
  }

  function clearFieldErrors() {
    form.querySelectorAll('.field-error').forEach((e) => e.remove());
    form.querySelectorAll('.invalid').forEach((e) => e.classList.remove('invalid'));
  }

  /** The input a field path belongs to: the exact one, else the nearest enclosing path that has one. */
  function inputFor(field) {
    for (let path = field; path; path = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '') {
      const input = form.querySelector('[data-field="' + path + '"]');
      if (input) return input;
    }
    return null;
  }

  /** Puts each field's message beside its input; returns the messages that have no input. */
  function showFieldErrors(fields) {
    const unplaced = [];
    for (const f of fields) {
      const input = inputFor(f.field);
      if (!input) {
        unplaced.push(f.field + ': ' + f.message);
        continue;
      }
      input.classList.add('invalid');
      const message = ft.make('span', { class: 'field-error', 'data-error-for': f.field, text: f.message });
      (input.tagName === 'FIELDSET' ? input : input.closest('label') || input).appendChild(message);
    }
    return unplaced;
  }

  async function submit(event) {
    event.preventDefault();
    clearFieldErrors();
    ft.showError($('job-error'), '');
    $('job-submitted').textContent = '';
    $('job-submit').disabled = true;
    try {
      const accepted = await ft.api.post('api/v1/jobs', request());
      $('job-submitted').textContent = 'Submitted job ' + accepted.jobId;
      ft.selectedJob = accepted.jobId;
      ft.go('jobs');
    } catch (e) {
      const unplaced = e instanceof ft.ApiFailure ? showFieldErrors(e.fields) : [];
      const placed = e instanceof ft.ApiFailure && e.fields.length > unplaced.length;
      ft.showError($('job-error'), 'The job was not started: ' + (placed ? 'see the fields marked in red'
        + (unplaced.length ? '; ' + unplaced.join('; ') : '') : e.message));
    } finally {
      $('job-submit').disabled = false;
    }
  }

  $('job-kind').addEventListener('change', showKind);
  $('job-base').addEventListener('change', applyBase);
  $('job-dataset').addEventListener('change', fillDatasetVersions);
  form.addEventListener('submit', submit);
  /** Opens the form with a registry version chosen as the base of a FINETUNE. */
  ft.fineTuneFrom = (name, version) => {
    $('job-kind').value = 'FINETUNE';
    $('job-base').dataset.wanted = name + '@' + version;
    ft.go('train');
  };
  ft.register('train', async () => {
    await loadChoices();
    const wanted = $('job-base').dataset.wanted;
    if (wanted && bases[wanted]) {
      $('job-base').value = wanted;
      delete $('job-base').dataset.wanted;
      applyBase();
    }
  });
})(window.finetune);
