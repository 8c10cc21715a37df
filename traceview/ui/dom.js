// Small DOM helpers shared by the pages: element creation, error and
// loading messages, and file download.

// h('div', {class: 'x', dataset: {testid: 'y'}, onclick: fn}, child, 'text', ...)
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'text') el.textContent = value;
    else if (key in el && key !== 'list' && key !== 'style') el[key] = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function errorBox(message) {
  return h('div', { class: 'error-box', role: 'alert', dataset: { testid: 'error-message' } }, message);
}

export function noticeBox(message) {
  return h('div', { class: 'notice-box' }, message);
}

export function loadingBox(message = 'Loading…') {
  return h('div', { class: 'loading-box' }, message);
}

// Replaces the contents of `el` with `children`.
export function replace(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

export function downloadText(filename, text, type = 'application/json') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function messageOf(err) {
  return err && err.message ? err.message : String(err);
}
