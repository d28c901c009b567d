// The page's DOM parts besides the map, the search box and the legend (legend.js): the
// loading/error status, the entity panel (side panel on wide screens, bottom sheet on phones)
// and the hover tooltip. Names and metadata go in with textContent only: they are data, not HTML.

export const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
};

const fmtScore = (s) => (Math.abs(s) >= 100 ? s.toFixed(0) : s.toPrecision(3));
const fmtValue = (v) => (typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(4) : String(v));
const fmtBytes = (b) => (b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${Math.round(b / 1e3)} kB`);

/**
 * One row of a ranked list (neighbors, averager results): a button with the entity's color, name,
 * score and a bar of score / top. `r`: {id, name, score, rgb}; `onPress(id)`; `title` optional.
 */
export function resultRow(r, top, onPress, title = '') {
  const li = el('li', 'neighbor');
  const b = el('button', 'neighbor-button');
  b.type = 'button';
  b.dataset.id = r.id;
  if (title) b.title = title;
  const dot = el('span', 'dot');
  dot.style.background = `rgb(${r.rgb.join(',')})`;
  const label = el('span', 'neighbor-name', r.name);
  label.dir = 'auto';
  const score = el('span', 'neighbor-score', fmtScore(r.score));
  const bar = el('span', 'neighbor-bar');
  bar.style.width = `${Math.max(2, (100 * Math.max(0, r.score)) / top)}%`;
  b.append(dot, label, score, bar);
  b.addEventListener('click', () => onPress(r.id));
  li.append(b);
  return li;
}

/** The loading indicator, then an error message if the page cannot show the map. */
export function createStatus(root) {
  const text = root.querySelector('.status-text');
  const bar = root.querySelector('progress');
  return {
    progress(label, loaded, total) {
      text.textContent = total ? `${label} ${fmtBytes(loaded)} of ${fmtBytes(total)}` : `${label} ${fmtBytes(loaded)}`;
      if (total) bar.value = loaded / total;
      else bar.removeAttribute('value');
    },
    text(label) {
      text.textContent = label;
      bar.removeAttribute('value');
    },
    done() { root.hidden = true; },
    error(message) {
      root.hidden = false;
      root.classList.add('error');
      root.setAttribute('role', 'alert');
      bar.hidden = true;
      root.querySelector('.status-title')?.removeAttribute('hidden');
      text.textContent = message;
    },
  };
}

/**
 * The entity panel. `onSelect(id)` when a neighbor is chosen, `onClose()` when closed, `onTool(mode, id)`
 * when one of its averager buttons is pressed ('between': this entity as A; 'set': a set of it).
 * Returns {open(id), entity({name, key, columns}), neighbors(rows), error(message), close(), tools(on), isOpen}.
 */
export function createPanel(root, { onSelect, onClose, onResize, onTool }) {
  const name = root.querySelector('.panel-name');
  const key = root.querySelector('.panel-key');
  const meta = root.querySelector('.panel-meta');
  const note = root.querySelector('.panel-note');
  const list = root.querySelector('.panel-list');
  const handle = root.querySelector('.sheet-handle');
  const actions = root.querySelector('.panel-actions');

  actions?.querySelectorAll('button').forEach((b) => b.addEventListener('click', () => onTool?.(b.dataset.mode, Number(root.dataset.id))));
  root.querySelector('.panel-close').addEventListener('click', () => onClose());
  handle.addEventListener('click', () => {
    const collapsed = root.classList.toggle('collapsed');
    handle.setAttribute('aria-expanded', String(!collapsed));
    onResize?.();
  });
  root.addEventListener('keydown', (e) => { if (e.key === 'Escape') onClose(); });
  new ResizeObserver(() => onResize?.()).observe(root);

  return {
    get isOpen() { return !root.hidden; },
    open(id) {
      root.hidden = false;
      root.dataset.id = id;
      root.classList.remove('collapsed');
      handle.setAttribute('aria-expanded', 'true');
      name.textContent = '…';
      key.textContent = '';
      meta.replaceChildren();
      note.textContent = 'Loading…';
      note.hidden = false;
      list.replaceChildren();
      root.scrollTop = 0;
    },
    entity({ name: n, key: k, columns }) {
      name.textContent = n;
      key.textContent = k && k !== n ? k : '';
      meta.replaceChildren(...Object.entries(columns ?? {}).filter(([, v]) => v != null && v !== '').flatMap(([c, v]) => [el('dt', null, c), el('dd', null, fmtValue(v))]));
    },
    /** rows: [{id, name, score, rgb}] best first. */
    neighbors(rows) {
      note.hidden = rows.length > 0;
      note.textContent = rows.length ? '' : 'No neighbors.';
      const top = Math.max(...rows.map((r) => r.score), 1e-9);
      list.replaceChildren(...rows.map((r) => resultRow(r, top, onSelect)));
    },
    /** Show the averager buttons (the site has averager tables). */
    tools(on) { if (actions) actions.hidden = !on; },
    error(message) {
      note.hidden = false;
      note.textContent = message;
      note.classList.add('error');
    },
    close() {
      root.hidden = true;
      delete root.dataset.id;
      note.classList.remove('error');
    },
  };
}

/**
 * A thin bar along the top edge while files load after the first draw (colors, search names).
 * `track(label, promise)` shows it, with `label` for screen readers, until every tracked promise settles.
 */
export function createBusy(root) {
  const text = root.querySelector('.busy-text');
  const pending = new Map();
  let next = 0;
  const update = () => {
    root.hidden = pending.size === 0;
    text.textContent = [...pending.values()].join(', ');
  };
  return {
    track(label, promise) {
      const k = next++;
      pending.set(k, label);
      update();
      promise.finally(() => { pending.delete(k); update(); }).catch(() => {});
      return promise;
    },
    get active() { return pending.size > 0; },
  };
}

/** A small label next to the mouse. */
export function createTooltip(root) {
  return {
    show(text, x, y) {
      root.textContent = text;
      root.hidden = false;
      const w = root.offsetWidth;
      const left = x + 14 + w > innerWidth ? x - 14 - w : x + 14;
      root.style.transform = `translate(${Math.round(left)}px, ${Math.round(y + 14)}px)`;
    },
    hide() { root.hidden = true; },
  };
}
