// Deep links: the view lives in the URL's hash, so that a copied address opens the same view.
//
//   #v=0.1234,-0.5,3.2&s=123&c=genre&f=genre:1.4&f=year:0.7&dim=1&bg=light
//   #v=...&t=between&a=12&b=40&mix=0.25&pop=popular        #v=...&t=set&set=3.17.52
//
// v: the camera's view (2D: centre x, y and zoom; 3D: target x, y, z, yaw, pitch, zoom), s: the
// selected entity, c: the color column (when not the site's default), f: one per filtered column,
// the hidden bins (legend entries) after the last ':', dim: filtered points dimmed rather than
// hidden, bg: the background scheme when not the theme's; t: the averager panel when open
// ('between' or 'set'), with a and b (the pair), mix (when not 0.5), set (the set's ids, in the
// order added) and pop (the popularity control, when not 'all'). The page rewrites the hash with
// history.replaceState (no history entries), debounced; it reads it once at start and on hashchange.

const DIGITS = 9;
const DELAY_MS = 250;

const num = (x) => Number(x.toPrecision(DIGITS)).toString();

/** {view, selected, color, filters: Map(column -> Set of bins), dim, scheme, tool, pair, mix, pop, set} from a hash ('#...'). */
export function parseLink(hash) {
  const q = new URLSearchParams(String(hash ?? '').replace(/^#/, ''));
  const view = q.get('v')?.split(',').map(Number);
  const s = q.get('s');
  const filters = new Map();
  for (const f of q.getAll('f')) {
    const cut = f.lastIndexOf(':');
    if (cut <= 0) continue;
    const bins = f.slice(cut + 1).split('.').filter((b) => /^\d+$/.test(b)).map(Number).filter((b) => b < 256);
    if (bins.length) filters.set(f.slice(0, cut), new Set(bins));
  }
  return {
    view: view && view.length && view.every(Number.isFinite) ? view : null,
    selected: s !== null && /^\d+$/.test(s) ? Number(s) : null,
    color: q.get('c') || null,
    filters,
    dim: q.get('dim') === '1',
    scheme: ['light', 'dark'].includes(q.get('bg')) ? q.get('bg') : null,
    tool: ['between', 'set'].includes(q.get('t')) ? q.get('t') : null,
    pair: [id(q.get('a')), id(q.get('b'))],
    mix: /^(0(\.\d+)?|1(\.0*)?)$/.test(q.get('mix') ?? '') ? Number(q.get('mix')) : 0.5,
    pop: ['popular', 'obscure'].includes(q.get('pop')) ? q.get('pop') : 'all',
    set: [...new Set((q.get('set') ?? '').split('.').filter((x) => /^\d+$/.test(x)).map(Number))],
  };
}

const id = (s) => (s !== null && /^\d+$/.test(s) ? Number(s) : null);

/** The hash ('#...', or '' for the default view) of `state` as parseLink returns it. */
export function formatLink({ view, selected, color, filters, dim, scheme, tool = null, pair = [null, null], mix = 0.5, pop = 'all', set = [] }) {
  // Percent-encoded as URLSearchParams reads it, but with ',', ':' and '.' left readable.
  const enc = (v) => encodeURIComponent(v).replace(/%2C/g, ',').replace(/%3A/g, ':');
  const q = [];
  if (view) q.push(`v=${view.map(num).join(',')}`);
  if (selected != null) q.push(`s=${selected}`);
  if (color) q.push(`c=${enc(color)}`);
  for (const [column, bins] of filters ?? []) if (bins.length || bins.size) q.push(`f=${enc(`${column}:${[...bins].join('.')}`)}`);
  if (dim) q.push('dim=1');
  if (scheme) q.push(`bg=${scheme}`);
  if (tool) q.push(`t=${tool}`);
  if (tool === 'between') {
    if (pair[0] != null) q.push(`a=${pair[0]}`);
    if (pair[1] != null) q.push(`b=${pair[1]}`);
    if (mix !== 0.5) q.push(`mix=${num(mix)}`);
  }
  if (tool === 'set' && set.length) q.push(`set=${set.join('.')}`);
  if (tool && pop !== 'all') q.push(`pop=${pop}`);
  return q.length ? `#${q.join('&')}` : '';
}

/** Writes `get()`'s state to the hash, debounced: call schedule() on every change. */
export function createLinkWriter(get) {
  let timer = 0;
  const write = () => {
    timer = 0;
    const hash = formatLink(get());
    if (hash !== location.hash && !(hash === '' && location.hash === '#')) {
      history.replaceState(history.state, '', `${location.pathname}${location.search}${hash || '#'}`);
    }
  };
  return {
    schedule() { clearTimeout(timer); timer = setTimeout(write, DELAY_MS); },
    flush() { if (timer) { clearTimeout(timer); write(); } },
    get pending() { return timer !== 0; },
  };
}
