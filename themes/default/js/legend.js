// The legend: what the colors mean, which column they come from (a chooser between the site's
// color columns), and the filters: each entry is a toggle button (pressed: its points show); a
// numeric column also gets a range of bins; filters on other columns are listed with a button
// that clears them. Below: dim filtered points instead of hiding them, and a light background.

const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
};
const fmtCount = (c) => c.toLocaleString('en-US');
const RANGE = /^(.+?)–(.+)$/; // "lo–hi", as atlas/color.py labels the bins of numeric columns

/** Number of leading legend entries that are numeric bins ("lo–hi"), 0 for categorical legends. */
export function rangeBins(legend) {
  let k = 0;
  while (k < legend.length && RANGE.test(legend[k]) && legend[k].split('–').every((v) => Number.isFinite(Number(v)))) k++;
  return k >= 2 ? k : 0;
}

/**
 * `root`: the #legend element (see templates/_legend.html). Handlers: onColorBy(column),
 * onToggle(bin), onRange(first, last), onShowAll(), onDim(on), onClearFilter(column), onScheme(light).
 */
export function createLegend(root, handlers) {
  const title = root.querySelector('.legend-title');
  const list = root.querySelector('.legend-list');
  const select = root.querySelector('.legend-chooser select');
  const chooser = root.querySelector('.legend-chooser');
  const range = root.querySelector('.legend-range');
  const [from, to] = range.querySelectorAll('input');
  const rangeText = range.querySelector('output');
  const all = root.querySelector('.legend-all');
  const dim = root.querySelector('.legend-dim input');
  const others = root.querySelector('.legend-filters');
  const scheme = root.querySelector('.legend-scheme input');
  let current = { legend: [], bins: 0 };

  select.addEventListener('change', () => handlers.onColorBy(select.value));
  all.addEventListener('click', () => handlers.onShowAll());
  dim.addEventListener('change', () => handlers.onDim(dim.checked));
  scheme.addEventListener('change', () => handlers.onScheme(scheme.checked));
  const onRange = (moved) => {
    let a = Number(from.value), b = Number(to.value);
    if (a > b) { if (moved === from) b = a; else a = b; from.value = a; to.value = b; }
    showRange(a, b);
    handlers.onRange(a, b);
  };
  from.addEventListener('input', () => onRange(from));
  to.addEventListener('input', () => onRange(to));

  function showRange(a, b) {
    const lo = RANGE.exec(current.legend[a])?.[1] ?? '';
    const hi = RANGE.exec(current.legend[b])?.[2] ?? '';
    rangeText.textContent = `${lo}–${hi}`;
    from.setAttribute('aria-valuetext', current.legend[a]);
    to.setAttribute('aria-valuetext', current.legend[b]);
  }

  return {
    /**
     * The coloring of `column`: palette and legend (one label per bin), counts {all, shown} per
     * bin, hidden (Set of bins its filter hides).
     */
    show({ column, palette, legend, counts, hidden }) {
      title.textContent = column ? `Color: ${column}` : 'Legend';
      current = { legend, bins: rangeBins(legend) };
      list.replaceChildren(...legend.map((label, i) => {
        const li = el('li');
        const b = el('button', 'legend-entry');
        b.type = 'button';
        b.dataset.bin = i;
        b.setAttribute('aria-pressed', String(!hidden.has(i)));
        const dot = el('span', 'dot');
        dot.style.background = palette[i] ?? '#9aa4b8';
        const text = el('span', 'legend-label', label);
        text.dir = 'auto';
        const n = counts ? counts.shown[i] : null;
        const count = el('span', 'legend-count', n == null ? '' : fmtCount(n));
        if (counts && counts.all[i] !== n) count.title = `${fmtCount(n)} of ${fmtCount(counts.all[i])} pass the other filters`;
        b.append(dot, text, count);
        b.addEventListener('click', () => handlers.onToggle(i));
        li.append(b);
        return li;
      }));
      range.hidden = !current.bins;
      if (current.bins) {
        for (const input of [from, to]) input.max = String(current.bins - 1);
        const shown = [...Array(current.bins).keys()].filter((i) => !hidden.has(i));
        const a = shown.length ? shown[0] : 0, b = shown.length ? shown[shown.length - 1] : current.bins - 1;
        from.value = a; to.value = b;
        showRange(a, b);
      }
      all.disabled = !hidden.size;
      root.hidden = !legend.length && chooser.hidden;
      if (column) select.value = column;
    },
    columns(names, currentColumn) {
      select.replaceChildren(...names.map((c) => { const o = el('option', null, c); o.value = c; return o; }));
      chooser.hidden = names.length < 2;
      if (currentColumn) select.value = currentColumn;
      if (names.length >= 2) root.hidden = false;
    },
    /** Filters on columns other than the colored one: [[column, hidden bins count]]. */
    others(filters) {
      others.replaceChildren(...filters.map(([column, k]) => {
        const li = el('li');
        const b = el('button', 'legend-clear', `${column}: ${k} hidden ✕`);
        b.type = 'button';
        b.setAttribute('aria-label', `Clear the filter on ${column} (${k} hidden)`);
        b.addEventListener('click', () => handlers.onClearFilter(column));
        li.append(b);
        return li;
      }));
      others.hidden = !filters.length;
    },
    setDim(on) { dim.checked = !!on; },
    setScheme(light) { scheme.checked = !!light; },
  };
}
