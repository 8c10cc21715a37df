// Formatting shared by every page: durations and timestamps (the API speaks
// microseconds), Go-style duration parsing for the search form, HTML
// escaping, and the stable service colours.

const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#bcbd22',
  '#7f7f7f',
  '#393b79',
  '#637939',
  '#8c6d31',
  '#7b4173',
  '#aec7e8',
  '#ffbb78',
  '#98df8a',
  '#c5b0d5',
  '#c49c94',
  '#f7b6d2',
  '#9edae5',
];
// Red is reserved for errors, so no palette colour is red.

const assigned = new Map(); // service name → palette index
const taken = new Set(); // palette indexes in use

function hashName(name) {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

// Gives each name a palette slot: its hash slot, or the next free one, so the
// same set of services gets the same colours on every page.
function assign(name) {
  let slot = hashName(name) % PALETTE.length;
  if (taken.size < PALETTE.length) {
    while (taken.has(slot)) slot = (slot + 1) % PALETTE.length;
  }
  assigned.set(name, slot);
  taken.add(slot);
  return slot;
}

// Registers services in a fixed (sorted) order, before anything is drawn.
export function registerServices(names) {
  for (const name of [...names].sort()) {
    if (!assigned.has(name)) assign(name);
  }
}

export function serviceColor(name) {
  const slot = assigned.has(name) ? assigned.get(name) : assign(name);
  return PALETTE[slot];
}

// A duration in microseconds as "850µs", "12.3ms", "1.25s" or "2m 5s".
export function formatDuration(us) {
  if (!Number.isFinite(us)) return '–';
  const abs = Math.abs(us);
  if (abs < 1000) return `${trim(us, 0)}µs`;
  if (abs < 1e6) return `${trim(us / 1000, abs < 1e4 ? 2 : 1)}ms`;
  if (abs < 60e6) return `${trim(us / 1e6, 2)}s`;
  const minutes = Math.floor(abs / 60e6);
  const seconds = Math.round((abs - minutes * 60e6) / 1e6);
  return `${us < 0 ? '-' : ''}${minutes}m ${seconds}s`;
}

function trim(value, digits) {
  return String(Number(value.toFixed(digits)));
}

function pad(n, width = 2) {
  return String(n).padStart(width, '0');
}

// Microseconds since the epoch as local "2026-11-22 05:17:14.123".
export function formatTimestamp(us) {
  const d = new Date(us / 1000);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.` +
    `${pad(d.getMilliseconds(), 3)}`
  );
}

// A time of day for an axis whose labels cover `rangeUs`: with milliseconds
// when they are close together, with the date when they span days.
export function formatClock(us, rangeUs = 3600e6) {
  const d = new Date(us / 1000);
  const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  if (rangeUs < 30e6) return `${clock}.${pad(d.getMilliseconds(), 3)}`;
  if (rangeUs > 86400e6) return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock.slice(0, 5)}`;
  return clock;
}

// "5 minutes ago" for a time in microseconds since the epoch.
export function formatAgo(us, nowMs = Date.now()) {
  const seconds = Math.round((nowMs - us / 1000) / 1000);
  if (seconds < 0) return 'in the future';
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86400)}d ago`;
}

const UNITS_US = { ns: 1e-3, us: 1, µs: 1, μs: 1, ms: 1e3, s: 1e6, m: 60e6, h: 3600e6, d: 86400e6 };

// Go duration syntax ("1.5s", "300ms", "1h30m") to microseconds; null if invalid.
export function parseDuration(text) {
  const s = text.trim();
  if (s === '') return null;
  if (s === '0') return 0;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)/y;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    part.lastIndex = pos;
    const m = part.exec(s);
    if (!m) return null;
    total += Number(m[1]) * UNITS_US[m[2]];
    pos = part.lastIndex;
  }
  return total;
}

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

export function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
