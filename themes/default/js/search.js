// Type-ahead search over the `search` record (every name, most popular first): case and
// diacritic insensitive; names with a word starting with the query first, then names that
// hold it anywhere; each group in popularity order.

const FOLD = { ø: 'o', ß: 'ss', æ: 'ae', œ: 'oe', ł: 'l', đ: 'd', ı: 'i', þ: 'th', ð: 'd' };
const WORD_CHAR = /[\p{L}\p{N}]/u;

/** Lower case, no diacritics, single spaces: the form both names and queries are matched in. */
export function normalize(s) {
  return String(s)
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[øßæœłđıþð]/g, (c) => FOLD[c])
    .replace(/\s+/g, ' ')
    .trim();
}

/** `rec`: {ids, names} in descending popularity. Returns {size, search(query, limit)}. */
export function createSearchIndex(rec) {
  const { ids, names } = rec;
  const norm = names.map(normalize);
  // One string with every name, so that a query is one indexOf scan in popularity order.
  const hay = norm.join('\n');
  const starts = new Uint32Array(norm.length + 1);
  for (let i = 0, at = 0; i < norm.length; i++) {
    starts[i] = at;
    at += norm[i].length + 1;
  }
  starts[norm.length] = hay.length + 1;
  const rankAt = (pos) => {
    let a = 0, b = norm.length; // starts[a] <= pos < starts[b]
    while (b - a > 1) {
      const m = (a + b) >> 1;
      if (starts[m] <= pos) a = m; else b = m;
    }
    return a;
  };

  return {
    size: names.length,
    /** [{id, name, word}] — word: true when a word of the name starts with the query. */
    search(query, limit = 12) {
      const q = normalize(query);
      if (!q) return [];
      const words = [];
      const inside = [];
      let pos = 0;
      while (words.length < limit && (pos = hay.indexOf(q, pos)) !== -1) {
        const rank = rankAt(pos);
        if (pos === starts[rank] || !WORD_CHAR.test(hay[pos - 1])) {
          words.push(rank);
          pos = starts[rank + 1]; // one hit a name is enough
        } else {
          if (inside.length < limit && inside[inside.length - 1] !== rank) inside.push(rank);
          pos += 1;
        }
      }
      const seen = new Set(words);
      const ranks = words.concat(inside.filter((r) => !seen.has(r))).slice(0, limit);
      return ranks.map((r) => ({ id: ids[r], name: names[r], word: seen.has(r) }));
    },
  };
}

/**
 * Wire the type-ahead box: `input` (role=combobox), `list` (role=listbox), `load()` resolving
 * to a search index (called on first focus or typing), `onChoose(id, name)`.
 * Keys: / focuses (when `slash`), ↑/↓ move, Enter chooses, Esc clears. `keep`: leave the chosen
 * name in the box (else it empties, ready for the next pick). Option ids start with `idPrefix`.
 */
export function attachSearch({ input, list, load, onChoose, limit = 12, slash = true, keep = true, idPrefix = 'atlas-result' }) {
  let index = null;
  let loading = null;
  let results = [];
  let active = -1;
  let message = '';

  const ensure = () => {
    loading ??= load().then(
      (ix) => { index = ix; update(); },
      (e) => { message = e.message; loading = null; render(); },
    );
    return loading;
  };

  function open(on) {
    list.hidden = !on;
    input.setAttribute('aria-expanded', String(on));
  }

  function render() {
    const items = results.map((r, i) => {
      const li = document.createElement('li');
      li.id = `${idPrefix}-${i}`;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', String(i === active));
      li.dataset.id = r.id;
      li.dir = 'auto';
      li.textContent = r.name;
      li.addEventListener('click', () => choose(i));
      return li;
    });
    const note = message || (!index && input.value.trim() ? 'Loading names…' : input.value.trim() && !results.length ? 'No match' : '');
    if (note) {
      const li = document.createElement('li');
      li.className = 'search-note';
      li.setAttribute('aria-disabled', 'true');
      li.textContent = note;
      items.push(li);
    }
    list.replaceChildren(...items);
    if (active >= 0) input.setAttribute('aria-activedescendant', `${idPrefix}-${active}`);
    else input.removeAttribute('aria-activedescendant');
    open(items.length > 0 && document.activeElement === input);
  }

  function update() {
    message = '';
    results = index ? index.search(input.value, limit) : [];
    active = -1;
    render();
  }

  function move(delta) {
    if (!results.length) return;
    active = (active + delta + results.length + 1) % (results.length + 1);
    if (active === results.length) active = -1; // one step past either end: back in the box
    render();
    if (active >= 0) list.children[active].scrollIntoView({ block: 'nearest' });
  }

  function choose(i) {
    const r = results[i];
    if (!r) return;
    input.value = keep ? r.name : '';
    results = [];
    active = -1;
    input.removeAttribute('aria-activedescendant');
    list.replaceChildren();
    open(false);
    // On touch screens, close the keyboard so the panel shows; elsewhere keep typing possible.
    if (matchMedia('(pointer: coarse)').matches) input.blur();
    onChoose(r.id, r.name);
  }

  input.addEventListener('focus', () => { ensure(); if (input.value.trim()) render(); });
  input.addEventListener('input', () => { ensure(); update(); });
  input.addEventListener('blur', () => open(false));
  // Keep focus in the box while a result is pressed, so the click lands.
  list.addEventListener('pointerdown', (e) => e.preventDefault());
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') { e.preventDefault(); move(1); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); move(-1); }
    else if (e.key === 'Enter') { e.preventDefault(); choose(active >= 0 ? active : 0); }
    else if (e.key === 'Escape') {
      e.preventDefault();
      if (input.value) { input.value = ''; update(); } else input.blur();
    }
  });
  if (slash) document.addEventListener('keydown', (e) => {
    const t = e.target;
    const typing = t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || t?.isContentEditable;
    if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      input.focus();
      input.select();
    }
  });

  return {
    ensure,
    /** Results for `query` once the index is loaded (for tests and other modules). */
    async query(query, n = limit) {
      await ensure();
      return index ? index.search(query, n) : [];
    },
  };
}
