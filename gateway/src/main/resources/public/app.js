'use strict';
// The gateway's page: datasets, training jobs, models and predictions through /api/v1 only. No libraries, no build
// step, works offline. This file holds what every view shares; each view is one file under js/ and registers itself.
window.finetune = (function () {
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

  /** An error answer of the API: its status, its message, and the fields it names ({field, message}). */
  class ApiFailure extends Error {
    constructor(status, message, fields) {
      super(message);
      this.status = status;
      this.fields = fields || [];
    }
  }

  /** The ApiError of a response body (JSON), or its status line when the body is not one. */
  function failure(status, statusText, bodyText) {
    try {
      const body = JSON.parse(bodyText);
      if (body && body.message) return new ApiFailure(status, body.message + ' (HTTP ' + status + ')', body.fields);
    } catch (e) { /* not JSON */ }
    return new ApiFailure(status, 'HTTP ' + status + ' ' + (statusText || ''));
  }

  async function request(method, path, body, contentType) {
    const r = await fetch(path, { method, headers: headers(contentType ? { 'Content-Type': contentType } : {}), body });
    if (!r.ok) throw failure(r.status, r.statusText, await r.text());
    return r.status === 204 ? null : r.json();
  }

  const api = {
    get: (path) => request('GET', path),
    post: (path, json) => request('POST', path, JSON.stringify(json), 'application/json'),
    postBytes: (path, blob, contentType) => request('POST', path, blob, contentType),
    del: (path) => request('DELETE', path)
  };

  // ---- views: each registers what to do when it is shown; the hash names the view ----
  const views = {};

  function register(name, onShow) {
    views[name] = onShow;
  }

  function current() {
    const name = location.hash.slice(1);
    return views[name] ? name : 'predict';
  }

  function showView() {
    const shown = current();
    for (const name of Object.keys(views)) {
      $(name + '-view').hidden = name !== shown;
      $('tab-' + name).classList.toggle('active', name === shown);
    }
    views[shown]();
  }

  function go(name) {
    if (current() === name) showView();
    else location.hash = name;
  }

  window.addEventListener('hashchange', showView);
  document.addEventListener('DOMContentLoaded', showView);

  // ---- small helpers ----
  /** An element with attributes ({class, text, title, data-*, ...}) and children (elements or strings). */
  function make(tag, attrs, children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null) continue;
      if (k === 'text') e.textContent = v;
      else if (k === 'class') e.className = v;
      else e.setAttribute(k, v);
    }
    for (const c of children || []) e.append(c);
    return e;
  }

  /** A table cell holding text, or elements. */
  function td(content, attrs) {
    return Array.isArray(content) ? make('td', attrs, content)
      : make('td', Object.assign({ text: String(content) }, attrs));
  }

  function pct(v) {
    return v === undefined || v === null ? '' : (v * 100).toFixed(1) + '%';
  }

  function bytes(n) {
    if (n < 1024) return n + ' B';
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KB';
    return (n / 1024 / 1024).toFixed(1) + ' MB';
  }

  /** A time as every service writes it: an ISO-8601 string. */
  function time(value) {
    if (value === undefined || value === null) return '';
    return new Date(value).toLocaleString();
  }

  function showError(element, message) {
    element.textContent = message;
    element.hidden = !message;
  }

  /** The registry (every model and version, from the inference service), newest fetch each time. */
  function registry() {
    return api.get('api/v1/registry');
  }

  return { $, api, ApiFailure, failure, headers, register, go, current, make, td, pct, bytes, time, showError,
    registry };
})();
