"""Region labels: a short text and a place for each group of entities (the clusters of the map).

`region_labels(groups, names, counts, columns, xy)` labels each group with the majority value of
the metadata column that is most *informative* for it (its majority value covers at least
`min_share` of the group and is at least `min_lift` times as common there as in the whole atlas;
of several, the one with the largest share × log(lift) wins; many-valued columns such as tags
have small shares: last.fm's clusters have their top tag on 12-30% of their artists, 4-10 times
as often as overall),
else with the names of its most popular members; the label sits on the group's medoid (the member
nearest, on average, to the others; estimated on a seeded sample for large groups).

The labels also list the names of the `top` most popular entities, so that the viewer can label
the zoomed-out map without fetching every names shard.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

MAX_NAME = 28  # characters of one member name in a label, before "…"
MAX_TEXT = 44  # a third member name is dropped when the label would be longer


@dataclass(frozen=True)
class Labels:
    """One label per group, largest group first.

    column: the coloring whose groups are labelled ("cluster"); group int64 (m,): the group's
    palette index in that coloring; text list[str]; source list[str | None]: the metadata column
    the text comes from (None: member names); id int64 (m,): the medoid entity, where the label
    sits; pos float64 (m, dims): its position; count int64 (m,): members of the group;
    top_ids int64 (t,) and top_names list[str]: the most popular entities, most popular first.
    """

    column: str
    group: np.ndarray
    text: list[str]
    source: list[str | None]
    id: np.ndarray
    pos: np.ndarray
    count: np.ndarray
    top_ids: np.ndarray
    top_names: list[str]

    def record(self) -> dict:
        """The payload of the `labels` record (docs/formats.md)."""
        return {
            "column": self.column,
            "group": self.group.tolist(),
            "text": list(self.text),
            "source": list(self.source),
            "id": self.id.tolist(),
            "pos": [[float(v) for v in p] for p in self.pos],
            "count": self.count.tolist(),
            "top_ids": self.top_ids.tolist(),
            "top_names": list(self.top_names),
        }


def popularity_order(counts: np.ndarray) -> np.ndarray:
    """int64 (n,): entity ids by descending count, ties by id."""
    counts = np.asarray(counts)
    return np.lexsort((np.arange(len(counts)), -counts.astype(np.float64)))


def _categories(values: list, column: str) -> tuple[np.ndarray, list[str]]:
    """(int64 (n,) category per entity, -1 for missing; label per category).

    Numeric columns with many distinct values are cut into the quantile bins of their coloring
    (`atlas.color.by_column`), labelled "column lo–hi"; other values are their text.
    """
    from atlas.color import RAMP, by_column

    present = [v for v in values if v is not None and v != "" and not (isinstance(v, float) and np.isnan(v))]
    numeric = present and all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in present)
    if numeric and len(set(present)) > 20:
        c = by_column([None if v is None or (isinstance(v, float) and np.isnan(v)) else float(v) for v in values], column)
        cat = np.where(c.index < len(RAMP), c.index, -1).astype(np.int64)
        return cat, [f"{column} {c.legend[i]}" for i in range(len(RAMP))]
    labels: dict[str, int] = {}
    cat = np.full(len(values), -1, dtype=np.int64)
    for i, v in enumerate(values):
        if v is None or v == "" or (isinstance(v, float) and np.isnan(v)):
            continue
        cat[i] = labels.setdefault(str(v), len(labels))
    return cat, list(labels)


def _medoid(xy: np.ndarray, members: np.ndarray, sample: int, rng: np.random.Generator) -> int:
    """The member of `members` (ids) with the least summed distance to the others (to a sample of them)."""
    if len(members) > sample:
        members = np.sort(rng.choice(members, sample, replace=False))
    p = xy[members]
    d = np.sqrt(((p[:, None, :] - p[None, :, :]) ** 2).sum(-1)).sum(1)
    return int(members[int(np.argmin(d))])


def _short(name: str) -> str:
    name = " ".join(str(name).split())
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 1].rstrip() + "…"


def _member_text(ids: np.ndarray, names: list[str], members: int) -> str:
    parts = [_short(names[i]) for i in ids[:members]]
    while len(parts) > 2 and len(" · ".join(parts)) > MAX_TEXT:
        parts.pop()
    return " · ".join(parts)


def region_labels(
    groups: np.ndarray,
    names: list[str],
    counts: np.ndarray,
    columns: dict[str, list],
    xy: np.ndarray,
    *,
    column: str = "cluster",
    min_share: float = 0.12,
    min_lift: float = 2.0,
    min_members: int = 3,
    members: int = 3,
    sample: int = 1024,
    top: int = 4096,
    seed: int = 0,
) -> Labels:
    """Labels of the groups of `groups` (int (n,), a group number per entity, e.g. the cluster colors).

    names: n display names; counts int (n,): popularity; columns: metadata column -> n values
    (str, int, float or None); xy float (n, dims): layout positions. A column's majority value
    names a group when it holds `min_members` members or more, `min_share` of the group or more,
    and is `min_lift` times as common in the group as overall. `members`: how many member
    names a label of names holds (2 or 3). `top`: how many popular entities `top_names` lists.
    """
    groups = np.asarray(groups)
    counts = np.asarray(counts)
    xy = np.asarray(xy, dtype=np.float64)
    n = len(groups)
    if groups.ndim != 1:
        raise ValueError(f"groups: expected shape (n,), got {groups.shape}")
    if len(names) != n or counts.shape != (n,):
        raise ValueError(f"names, counts: expected {n} entries each, got {len(names)} and {counts.shape}")
    if xy.ndim != 2 or xy.shape[0] != n or xy.shape[1] not in (2, 3):
        raise ValueError(f"xy: expected shape ({n}, 2) or ({n}, 3), got {xy.shape}")
    for c, v in columns.items():
        if len(v) != n:
            raise ValueError(f"columns[{c!r}]: expected {n} values, got {len(v)}")
    if not 1 <= members <= 3:
        raise ValueError(f"members: expected 1, 2 or 3, got {members}")

    rng = np.random.default_rng(seed)
    order = popularity_order(counts)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    cats = {c: _categories(v, c) for c, v in columns.items()}
    overall = {c: np.bincount(cat[cat >= 0], minlength=len(lab)) / max(1, n) for c, (cat, lab) in cats.items()}

    ids = np.unique(groups)
    sizes = np.array([(groups == g).sum() for g in ids], dtype=np.int64)
    by_size = np.lexsort((ids, -sizes))
    out_group, text, source, medoid, count, first = [], [], [], [], [], []
    for j in by_size:
        g, size = ids[j], int(sizes[j])
        m = np.flatnonzero(groups == g)
        best = None  # (score, column, label)
        for c, (cat, lab) in cats.items():
            cm = cat[m]
            cm = cm[cm >= 0]
            if not len(cm):
                continue
            hist = np.bincount(cm, minlength=len(lab))
            v = int(np.argmax(hist))
            share = hist[v] / size
            lift = share / overall[c][v]
            score = share * np.log(lift) if lift > 0 else 0.0
            if hist[v] >= min_members and share >= min_share and lift >= min_lift and (best is None or score > best[0]):
                best = (score, c, lab[v])
        by_pop = m[np.argsort(rank[m], kind="stable")]
        if best is not None:
            text.append(best[2])
            source.append(best[1])
        else:
            text.append(_member_text(by_pop, names, members))
            source.append(None)
        out_group.append(int(g))
        medoid.append(_medoid(xy, m, sample, rng))
        count.append(size)
        first.append(int(by_pop[0]))
    # Two groups with the same majority value: each also names its most popular member.
    seen = Counter(text)
    for i, (t, s) in enumerate(zip(text, source)):
        if s is not None and seen[t] > 1:
            text[i] = f"{t} · {_short(names[first[i]])}"
    top_ids = order[: min(top, n)]
    return Labels(
        column=column,
        group=np.array(out_group, dtype=np.int64),
        text=text,
        source=source,
        id=np.array(medoid, dtype=np.int64),
        pos=xy[np.array(medoid, dtype=np.int64)] if medoid else np.zeros((0, xy.shape[1])),
        count=np.array(count, dtype=np.int64),
        top_ids=top_ids.astype(np.int64),
        top_names=[names[i] for i in top_ids],
    )
