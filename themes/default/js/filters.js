// Filters on metadata columns. A column's values per entity are its coloring's palette bins
// (colors/NAME.bin.br: one u8 per entity, one bin per legend entry), so a filter is the set of
// bins it hides: legend entries toggled off, or, for a numeric column, the bins outside a range.
// An entity is shown when no filter hides its bin; filtered entities are hidden or dimmed.

/** `n` entities. Returns the filter state; `mask()` is null while nothing is filtered. */
export function createFilters(n) {
  const hidden = new Map(); // column -> Set of hidden bins
  const bins = new Map(); // column -> Uint8Array(n)
  let mask = null;
  let dim = false;

  function recompute() {
    mask = null;
    for (const [column, set] of hidden) {
      const b = bins.get(column);
      if (!set.size || !b) continue;
      const keep = new Uint8Array(256).fill(1);
      for (const bin of set) keep[bin] = 0;
      if (!mask) mask = new Uint8Array(n).fill(1);
      for (let i = 0; i < n; i++) mask[i] &= keep[b[i]];
    }
  }

  return {
    get dim() { return dim; },
    set dim(on) { dim = !!on; },
    /** The bins of `column` (Uint8Array(n)); needed before its filter takes effect. */
    setBins(column, b) {
      if (b.length !== n) throw new Error(`colors for ${column}: expected ${n} entries, got ${b.length}`);
      bins.set(column, b);
      recompute();
    },
    bins: (column) => bins.get(column),
    /** Hidden bins of `column`, a new Set. */
    hidden: (column) => new Set(hidden.get(column) ?? []),
    setHidden(column, set) {
      if (set.size) hidden.set(column, new Set(set)); else hidden.delete(column);
      recompute();
    },
    toggle(column, bin) {
      const set = new Set(hidden.get(column) ?? []);
      if (set.has(bin)) set.delete(bin); else set.add(bin);
      this.setHidden(column, set);
    },
    clear(column) {
      if (column === undefined) hidden.clear(); else hidden.delete(column);
      recompute();
    },
    /** [[column, [bins]]] of every filter that hides something, columns sorted. */
    active: () => [...hidden].filter(([, s]) => s.size).map(([c, s]) => [c, [...s].sort((a, b) => a - b)]).sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    mask: () => mask,
    visible: (i) => !mask || mask[i] === 1,
    /** Entities per bin of `column` (all of them, and those no other filter hides). */
    counts(column) {
      const b = bins.get(column);
      const all = new Uint32Array(256), shown = new Uint32Array(256);
      if (!b) return { all, shown };
      // Other columns' filters only: this column's own hidden bins still count as "could show".
      const others = [...hidden].filter(([c, s]) => c !== column && s.size && bins.get(c));
      const keep = others.map(([c, s]) => { const k = new Uint8Array(256).fill(1); s.forEach((x) => { k[x] = 0; }); return [bins.get(c), k]; });
      for (let i = 0; i < n; i++) all[b[i]]++;
      if (!keep.length) return { all, shown: all };
      const ok = new Uint8Array(n).fill(1);
      for (const [bb, k] of keep) for (let i = 0; i < n; i++) ok[i] &= k[bb[i]];
      for (let i = 0; i < n; i++) shown[b[i]] += ok[i];
      return { all, shown };
    },
  };
}
