// The averager panel (templates/_tools.html): "Between" (pick A and B, slide the mix, see what lies
// between them) and "More like these" (build a set, see what fits it). Queries run in the page on
// the averager tables and neighbor lists (averager.js), loaded on first use. The panel owns its
// state — {mode, pair: [a, b], mix, pop, set} — and reports every change through `onChange()`, so
// that the page redraws its marks, labels and link.
//
// Picking: the panel's search box, or a tap on the map (`tap(id)`): in "Between" a tap fills A,
// then B, and later taps change B; in "More like these" a tap adds the entity, or removes it when
// it is already in the set.

import { createAverager, eligible, popularityBounds, tablesFrom, POPULARITY_MODES } from './averager.js';
import { attachSearch } from './search.js';
import { el, resultRow } from './panels.js';

export const MODES = ['between', 'set'];
const TITLES = { between: 'Between', set: 'More like these' };
const HELP = {
  between: 'Pick A and B (search, or tap the map): the results lie between them, near both. Slide to lean to A or B.',
  set: 'Add entities (search, or tap the map) to see what else fits the set. Tap one again to remove it.',
};

/**
 * `root`: the #tool element. `site` (data.js), `searchIndex()` -> Promise of the search index,
 * `rgb(id)` -> [r, g, b], `k` results, `onChange()`, `onFocus(id)` (a result pressed in "Between"),
 * `onClose()`, `onResize()`, `busy` (panels.js createBusy).
 */
export function createTools(root, { site, searchIndex, rgb, k = 20, onChange, onFocus, onClose, onResize, busy }) {
  const title = root.querySelector('#tool-title');
  const help = root.querySelector('.tool-help');
  const tabs = [...root.querySelectorAll('.tool-tab')];
  const betweenPart = root.querySelector('.tool-between');
  const slots = [...root.querySelectorAll('.slot')];
  const mixRange = root.querySelector('.tool-mix-range');
  const setList = root.querySelector('.tool-set');
  const input = root.querySelector('#tool-input');
  const radios = [...root.querySelectorAll('input[name="tool-pop"]')];
  const note = root.querySelector('.tool-note');
  const list = root.querySelector('.tool-list');
  const handle = root.querySelector('.sheet-handle');

  const state = { mode: 'between', pair: [null, null], mix: 0.5, pop: 'all', set: [] };
  let results = []; // ids of the shown results, best first
  let engine = null; // Promise of {averager, ok(pop), plain()}
  let token = 0;
  let running = null; // Promise of the last query
  let lastMs = 0;

  const load = () => (engine ??= busy.track('Loading the averager tables', Promise.all([site.averager(), site.popularity()]).then(([b, count]) => {
    if (!b) throw new Error('This atlas has no averager tables (build it with an embedding).');
    const averager = createAverager(tablesFrom(b, 'averager.bin.br'));
    const oks = new Map();
    /** Eligibility of the popularity control's mode, computed once per mode. */
    const ok = (pop) => {
      if (!oks.has(pop)) {
        const { min, max } = popularityBounds(count, pop);
        oks.set(pop, eligible(averager.tables.n, count, min, max));
      }
      return oks.get(pop);
    };
    let plain = null;
    return { averager, ok, plain: () => (plain ??= createAverager(averager.tables, { simd: false })) };
  })).catch((e) => { engine = null; throw e; }));

  const search = attachSearch({
    input, list: root.querySelector('#tool-results'), load: searchIndex, slash: false, keep: false,
    idPrefix: 'tool-result', onChoose: (id) => pick(id),
  });

  tabs.forEach((b) => b.addEventListener('click', () => api.open(b.dataset.mode)));
  root.querySelector('.panel-close').addEventListener('click', () => onClose());
  handle.addEventListener('click', () => {
    const collapsed = root.classList.toggle('collapsed');
    handle.setAttribute('aria-expanded', String(!collapsed));
    onResize?.();
  });
  root.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !(e.target instanceof HTMLInputElement && e.target.type === 'search' && e.target.value)) onClose();
  });
  new ResizeObserver(() => onResize?.()).observe(root);
  slots.forEach((s, i) => s.querySelector('.slot-clear').addEventListener('click', () => {
    state.pair[i] = null;
    changed();
  }));
  mixRange.addEventListener('input', () => { state.mix = Number(mixRange.value); changed(); });
  radios.forEach((r) => r.addEventListener('change', () => { if (r.checked) { state.pop = r.value; changed(); } }));

  function pick(id) {
    if (state.mode === 'between') {
      const [a, b] = state.pair;
      if (a === id || b === id) return;
      if (a === null) state.pair[0] = id; else state.pair[1] = id;
    } else if (!state.set.includes(id)) state.set.push(id);
    changed();
  }

  function render() {
    const { mode } = state;
    title.textContent = TITLES[mode];
    help.textContent = HELP[mode];
    tabs.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.mode === mode)));
    betweenPart.hidden = mode !== 'between';
    setList.hidden = mode !== 'set';
    const [a, b] = state.pair;
    input.placeholder = mode === 'set' ? 'Search to add to the set' : a === null ? 'Search to pick A' : b === null ? 'Search to pick B' : 'Search to change B';
    input.setAttribute('aria-label', input.placeholder);
    mixRange.value = String(state.mix);
    mixRange.setAttribute('aria-valuetext', `${Math.round(100 * (1 - state.mix))}% A, ${Math.round(100 * state.mix)}% B`);
    radios.forEach((r) => { r.checked = r.value === state.pop; });
    slots.forEach((s, i) => {
      const id = state.pair[i];
      s.classList.toggle('empty', id === null);
      s.dataset.id = id ?? '';
      s.querySelector('.slot-clear').hidden = id === null;
      const name = s.querySelector('.slot-name');
      name.textContent = id === null ? (i ? 'pick B' : 'pick A') : '…';
      if (id !== null) site.nameOf(id).then((n) => { if (state.pair[i] === id) name.textContent = n; }, () => {});
    });
    setList.replaceChildren(...state.set.map((id) => {
      const li = el('li', 'chip');
      li.dataset.id = id;
      const dot = el('span', 'dot');
      dot.style.background = `rgb(${rgb(id).join(',')})`;
      const name = el('span', 'chip-name', '…');
      name.dir = 'auto';
      site.nameOf(id).then((n) => { name.textContent = n; x.setAttribute('aria-label', `Remove ${n}`); }, () => {});
      const x = el('button', 'chip-remove', '×');
      x.type = 'button';
      x.setAttribute('aria-label', 'Remove');
      x.addEventListener('click', () => { state.set = state.set.filter((s) => s !== id); changed(); });
      li.append(dot, name, x);
      return li;
    }));
  }

  function showResults(rows) {
    const top = rows[0]?.score || 1;
    list.replaceChildren(...rows.map((r) => resultRow(
      { ...r, rgb: rgb(r.id) }, top,
      (id) => (state.mode === 'set' ? pick(id) : onFocus?.(id)),
      state.mode === 'set' ? `Add ${r.name} to the set` : `Show ${r.name} on the map`,
    )));
  }

  function say(text, error = false) {
    note.hidden = !text;
    note.textContent = text;
    note.classList.toggle('error', error);
  }

  /** Run the query of the current state and show its results. */
  function query() {
    const t = ++token;
    running = (async () => {
      const { mode, pair: [a, b], set } = state;
      const need = mode === 'between' ? (a === null || b === null ? (a === null ? 'Pick A and B.' : 'Pick B.') : '') : set.length ? '' : 'Add an entity to the set.';
      if (need) {
        results = [];
        list.replaceChildren();
        say(need);
        return;
      }
      say('Loading…');
      const e = await load();
      const rowOf = mode === 'set' ? await site.neighborRows(set) : null;
      if (t !== token) return;
      const r = run(e, rowOf);
      const names = await Promise.all(r.ids.map((id) => site.nameOf(id)));
      if (t !== token) return;
      results = r.ids;
      say(r.ids.length ? '' : 'No results: try "All".');
      showResults(r.ids.map((id, i) => ({ id, name: names[i], score: r.scores[i] })));
    })().catch((e) => {
      if (t !== token) return;
      console.error(e);
      results = [];
      list.replaceChildren();
      say(e.message, true);
    }).finally(() => { if (t === token) onChange?.(); });
    return running;
  }

  /** The query itself, timed (synchronous once the files are loaded). */
  function run({ averager, ok: okFor }, rowOf) {
    const { mode, pair: [a, b], mix, pop, set } = state;
    const ok = okFor(pop);
    const t0 = performance.now();
    const r = mode === 'set'
      ? averager.moreLike(set, rowOf, { k, ok })
      : averager.between(a, b, { mix, k, ok });
    lastMs = performance.now() - t0;
    return r;
  }

  function changed() {
    render();
    onChange?.();
    if (!root.hidden) query();
  }

  const api = {
    get isOpen() { return !root.hidden; },
    get state() { return { ...state, pair: state.pair.slice(), set: state.set.slice() }; },
    get results() { return results.slice(); },
    /** Milliseconds the last query took in the page (its computation, files already loaded). */
    get lastMs() { return lastMs; },
    /** Resolves when the last query has shown its results. */
    settled: () => running ?? Promise.resolve(),
    load,
    /** Open the panel in `mode` ('between' or 'set'), with `id` as A or as a member of the set. */
    open(mode = state.mode, id = null) {
      if (!MODES.includes(mode)) throw new RangeError(`mode: expected between or set, got ${mode}`);
      state.mode = mode;
      root.hidden = false;
      root.classList.remove('collapsed');
      handle.setAttribute('aria-expanded', 'true');
      if (id !== null) {
        if (mode === 'between') state.pair = [id, state.pair[1] === id ? null : state.pair[1]];
        else if (!state.set.includes(id)) state.set.push(id);
      }
      changed();
      return running;
    },
    close() {
      if (root.hidden) return;
      root.hidden = true;
      token++;
      onChange?.();
    },
    /** A tap on the map's entity `id` (the panel is open). */
    tap(id) {
      if (state.mode === 'set' && state.set.includes(id)) {
        state.set = state.set.filter((s) => s !== id);
        changed();
      } else pick(id);
    },
    /** Set the state (from a link): {mode, pair, mix, pop, set}, then open or close. */
    apply({ mode, pair, mix, pop, set }, open) {
      state.mode = MODES.includes(mode) ? mode : 'between';
      state.pair = [pair?.[0] ?? null, pair?.[1] ?? null];
      state.mix = Number.isFinite(mix) && mix >= 0 && mix <= 1 ? mix : 0.5;
      state.pop = POPULARITY_MODES.includes(pop) ? pop : 'all';
      state.set = [...new Set(set ?? [])];
      if (open) return api.open(state.mode);
      render();
      api.close();
      return Promise.resolve();
    },
    /** Marks for the map: the pair or the set as 'selected', the results as 'neighbor'. */
    marks() {
      if (root.hidden) return [];
      const chosen = state.mode === 'set' ? state.set : state.pair.filter((i) => i !== null);
      return [...results.map((id) => ({ id, kind: 'neighbor' })), ...chosen.map((id) => ({ id, kind: 'selected' }))];
    },
    /** Entities whose labels go first: the pair or the set, then the results. */
    priority() {
      if (root.hidden) return [];
      const chosen = state.mode === 'set' ? state.set : state.pair.filter((i) => i !== null);
      return [...chosen, ...results];
    },
    searchQuery: (q, n) => search.query(q, n),
  };
  render();
  return api;
}
