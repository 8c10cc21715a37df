// Entry point: the top bar and the client-side router. `/` and `/search`
// show the search page, `/trace/{id}` a trace, `/dependencies` the service
// graph. Links inside the app navigate with the History API. While a page
// loads, body[data-state] is "loading"; once it is interactive, "ready".

import { h, errorBox, messageOf } from './dom.js';
import * as searchPage from './search.js';
import * as tracePage from './trace_page.js';
import * as dependenciesPage from './dependencies.js';

const PAGES = [
  { pattern: /^\/(?:search)?\/?$/, page: searchPage, nav: 'search' },
  { pattern: /^\/trace\/([^/]+)\/?$/, page: tracePage, nav: '' },
  { pattern: /^\/dependencies\/?$/, page: dependenciesPage, nav: 'dependencies' },
];

let main = null;
let navigation = 0; // increments on every navigation; stale loads are dropped
let disposeCurrent = null;

function topBar() {
  return h(
    'header',
    { class: 'topbar' },
    h(
      'a',
      { class: 'brand', href: '/search' },
      h('img', { src: '/ui/logo.svg', alt: '', width: 20, height: 20 }),
      'traceview',
    ),
    h(
      'nav',
      {},
      h('a', { href: '/search', dataset: { nav: 'search' } }, 'Search'),
      h('a', { href: '/dependencies', dataset: { nav: 'dependencies' } }, 'Dependencies'),
    ),
  );
}

function setState(state) {
  document.body.dataset.state = state;
  if (state === 'ready') performance.mark('traceview:ready'); // for benchmarks
}

function markNav(name) {
  for (const a of document.querySelectorAll('.topbar nav a')) {
    a.classList.toggle('active', a.dataset.nav === name);
  }
}

// The context a page gets: the URL, a way to navigate, and a check that the
// page is still the current one (so late answers are ignored).
function context(token, url) {
  return {
    url,
    params: url.searchParams,
    navigate,
    replaceQuery(params) {
      const next = `${url.pathname}${params.toString() ? `?${params}` : ''}`;
      history.replaceState(history.state, '', next);
    },
    isCurrent: () => token === navigation,
  };
}

async function render() {
  const token = ++navigation;
  if (disposeCurrent) {
    disposeCurrent();
    disposeCurrent = null;
  }
  setState('loading');
  const url = new URL(location.href);
  const route = PAGES.find((p) => p.pattern.test(url.pathname));
  main.replaceChildren();
  markNav(route ? route.nav : '');
  if (!route) {
    main.append(
      errorBox(`No page at ${url.pathname}.`),
      h('p', {}, h('a', { href: '/search' }, 'Go to search')),
    );
    setState('ready');
    return;
  }
  const match = url.pathname.match(route.pattern);
  try {
    const dispose = await route.page.render(
      main,
      context(token, url),
      match.slice(1).map(decodeURIComponent),
    );
    if (token !== navigation) {
      if (dispose) dispose();
      return;
    }
    disposeCurrent = dispose || null;
  } catch (err) {
    if (token !== navigation) return;
    main.append(errorBox(`This page failed: ${messageOf(err)}`));
  }
  setState('ready');
}

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.scrollTo(0, 0);
  render();
}

function isAppLink(a, event) {
  if (!a || a.target || a.hasAttribute('download')) return false;
  if (event.defaultPrevented || event.button !== 0) return false;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return false;
  const url = new URL(a.href, location.href);
  return url.origin === location.origin && PAGES.some((p) => p.pattern.test(url.pathname));
}

function onClick(event) {
  const a = event.target.closest('a[href]');
  if (!isAppLink(a, event)) return;
  event.preventDefault();
  const url = new URL(a.href, location.href);
  navigate(url.pathname + url.search);
}

function start() {
  setState('loading');
  main = h('main', { id: 'page' });
  document.getElementById('app').replaceChildren(topBar(), main);
  document.addEventListener('click', onClick);
  window.addEventListener('popstate', render);
  window.addEventListener('unhandledrejection', (event) => {
    event.preventDefault();
    main.prepend(errorBox(`Unexpected error: ${messageOf(event.reason)}`));
  });
  render();
}

start();
