'use strict';
// Predictions: any version of any registry model (the served one, or an older one the inference service loads on
// demand), one photo, the top 5 and the version that answered.
(function (ft) {
  const $ = ft.$;
  let models = [];

  function fillVersions() {
    const select = $('version-select');
    const model = models.find((m) => m.name === $('model-select').value);
    select.innerHTML = '';
    if (!model) return;
    // a model this replica does not serve answers only when a version is named: its latest, unless one was chosen
    const served = model.versions.some((v) => v.serving === 'ACTIVE');
    const wanted = select.dataset.wanted || (served ? '' : model.latestVersion);
    select.appendChild(ft.make('option', { value: '', text: 'served (latest)' }));
    for (const v of [...model.versions].reverse()) {
      const o = ft.make('option', { value: v.version, text: 'v' + v.version + (v.version === model.latestVersion
        ? ' (latest)' : '') + (v.serving === 'ACTIVE' ? ', served' : v.serving === 'ON_DEMAND' ? ', loaded' : '') });
      if (v.version === wanted) o.selected = true;
      select.appendChild(o);
    }
    delete select.dataset.wanted;
    describeVersion();
  }

  /** What the chosen version is: kind, input, classes, test score, pretrained weights. */
  function describeVersion() {
    const model = models.find((m) => m.name === $('model-select').value);
    const served = model && model.versions.find((v) => v.serving === 'ACTIVE');
    const wanted = $('version-select').value || (served && served.version);
    const v = model && model.versions.find((x) => x.version === wanted);
    $('version-info').textContent = !v ? '' : [v.kind + ' v' + v.version, v.architecture, v.imageSize + ' px',
      v.classCount + ' classes', v.test ? 'test accuracy ' + ft.pct(v.test.accuracy) : null,
      v.parent ? 'fine-tuned from ' + v.parent.name + ' v' + v.parent.version : null,
      v.pretrained ? 'weights ' + v.pretrained.fileName + ' (' + v.pretrained.licence + ')' : null]
      .filter(Boolean).join(' · ');
  }

  async function loadModels() {
    const select = $('model-select');
    const keep = select.dataset.wanted || select.value;
    try {
      models = await ft.registry();
      select.innerHTML = '';
      for (const m of models) {
        const text = m.name + (m.latestVersion ? ' (v' + m.latestVersion + ')' : '');
        const o = ft.make('option', { value: m.name, text });
        if (m.name === keep) o.selected = true;
        select.appendChild(o);
      }
      delete select.dataset.wanted;
      fillVersions();
      $('models-status').textContent = models.length ? models.length + ' model(s)' : 'no models published yet';
    } catch (e) {
      $('models-status').textContent = 'models unavailable: ' + e.message;
    }
  }

  function predictionEntries(body) {
    return (body.top || []).map((p) => ({ label: p.className, probability: Number(p.probability) }));
  }

  async function predict(file) {
    const error = $('predict-error');
    ft.showError(error, '');
    const preview = $('preview');
    preview.src = URL.createObjectURL(file);
    preview.hidden = false;
    const model = $('model-select').value;
    if (!model) {
      ft.showError(error, 'No model to predict with: none is published yet, or the model list could not be loaded.');
      return;
    }
    const version = $('version-select').value;
    try {
      const body = await ft.api.postBytes('api/v1/predict/' + encodeURIComponent(model) + '?topK=5'
        + (version ? '&version=' + encodeURIComponent(version) : ''), file, file.type || 'application/octet-stream');
      const list = $('prediction-list');
      list.innerHTML = '';
      for (const p of predictionEntries(body).slice(0, 5)) {
        const pct = p.probability * 100;
        const li = ft.make('li', {}, [ft.make('span', { class: 'label', text: p.label }),
          ft.make('span', { class: 'bar' }, [ft.make('span')]),
          ft.make('span', { class: 'prob', text: pct.toFixed(1) + '%' })]);
        li.querySelector('.bar span').style.width = Math.max(0, Math.min(100, pct)).toFixed(1) + '%';
        list.appendChild(li);
      }
      $('prediction-model').textContent = '— ' + body.model + ' version ' + body.version;
      $('prediction').dataset.version = body.version;
      $('prediction').hidden = false;
    } catch (e) {
      $('prediction').hidden = true;
      ft.showError(error, 'Prediction failed: ' + e.message);
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
  $('file-input').addEventListener('change', (e) => {
    if (e.target.files.length) predict(e.target.files[0]);
    e.target.value = ''; // the same file again is a new prediction (with another version, say)
  });
  $('model-select').addEventListener('change', fillVersions);
  $('version-select').addEventListener('change', describeVersion);
  /** Opens the predict view with a model version chosen. */
  ft.predictWith = (name, version) => {
    $('model-select').dataset.wanted = name;
    $('version-select').dataset.wanted = version;
    ft.go('predict');
  };
  ft.register('predict', loadModels);
})(window.finetune);
