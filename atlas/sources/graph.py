"""Graphs: an edge list CSV (with an optional names file), GML or GraphML. Nodes are entities.

Multi-edges add up, self-loops are dropped, node attributes become metadata columns.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from atlas.errors import DataError
from atlas.sources import Source
from atlas.sources.interactions import _value, read_names
from atlas.sources.tables import column_index, field, open_table
from atlas.spec import resolve_path

_TOKEN = re.compile(r'\s*(?:(\[)|(\])|"((?:[^"\\]|\\.)*)"|([^\s\[\]"]+))', re.S)


def parse_gml(text: str, path: Path) -> tuple[list[dict], list[tuple]]:
    """(nodes, edges) of a GML document: nodes are attribute dicts with `id`; edges (source, target, attrs)."""
    pos, line = 0, 1
    stack: list[list] = [[]]
    key = None
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise DataError(f"{path}:{line}: GML: unexpected {text[pos:pos + 20]!r}")
        line += text.count("\n", pos, m.end())
        pos = m.end()
        opened, closed, quoted, word = m.groups()
        if opened:
            if key is None:
                raise DataError(f"{path}:{line}: GML: '[' without a key")
            stack.append([])
            stack[-2].append((key, stack[-1]))
            key = None
        elif closed:
            if len(stack) == 1 or key is not None:
                raise DataError(f"{path}:{line}: GML: unbalanced ']'")
            stack.pop()
        elif key is None:
            if quoted is not None:
                raise DataError(f"{path}:{line}: GML: expected a key, got a string")
            key = word
        else:
            stack[-1].append((key, quoted if quoted is not None else _value(word)))
            key = None
    if len(stack) != 1:
        raise DataError(f"{path}: GML: unclosed '[' at end of file")
    graphs = [v for k, v in stack[0] if k == "graph" and isinstance(v, list)]
    if not graphs:
        raise DataError(f"{path}: GML: no graph [ ... ] block")
    nodes, edges = [], []
    for k, v in graphs[0]:
        if k == "node" and isinstance(v, list):
            nodes.append({a: b for a, b in v if not isinstance(b, list)})
        elif k == "edge" and isinstance(v, list):
            d = {a: b for a, b in v if not isinstance(b, list)}
            if "source" not in d or "target" not in d:
                raise DataError(f"{path}: GML: an edge without source or target")
            edges.append((d.pop("source"), d.pop("target"), d))
    return nodes, edges


def parse_graphml(path: Path) -> tuple[list[dict], list[tuple]]:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        raise DataError(f"{path}:{e.position[0]}: GraphML: {e.msg}") from None
    ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    keys = {k.get("id"): k.get("attr.name") or k.get("id") for k in root.iter(f"{ns}key")}
    nodes, edges = [], []
    for n in root.iter(f"{ns}node"):
        d = {"id": n.get("id")}
        d.update({keys.get(x.get("key"), x.get("key")): _value((x.text or "").strip()) for x in n.findall(f"{ns}data")})
        nodes.append(d)
    for e in root.iter(f"{ns}edge"):
        d = {keys.get(x.get("key"), x.get("key")): _value((x.text or "").strip()) for x in e.findall(f"{ns}data")}
        edges.append((e.get("source"), e.get("target"), d))
    return nodes, edges


def from_edges(nodes: list[dict], edges: list[tuple], path: Path, directed: bool = False) -> Source:
    """A graph Source from attribute dicts (with `id`, optional `label`/`name`) and (source, target, attrs) edges."""
    index = {}
    for i, nd in enumerate(nodes):
        if "id" not in nd:
            raise DataError(f"{path}: node {i} has no id")
        index.setdefault(nd["id"], len(index))
    for s, t, _ in edges:  # nodes named only by edges
        for x in (s, t):
            if x not in index:
                index[x] = len(index)
                nodes.append({"id": x})
    r = np.array([index[s] for s, _, _ in edges], dtype=np.int64)
    c = np.array([index[t] for _, t, _ in edges], dtype=np.int64)
    w = np.array([_weight(a) for _, _, a in edges], dtype=np.float32)
    keep = r != c
    r, c, w = r[keep], c[keep], w[keep]
    if not directed:
        r, c, w = np.concatenate([r, c]), np.concatenate([c, r]), np.concatenate([w, w])
    n = len(index)
    g = sp.csr_matrix((w, (r, c)), shape=(n, n))
    g.sum_duplicates()
    attrs = sorted({a for nd in nodes for a in nd} - {"id", "label", "name"})
    cols = {a: [nd.get(a) for nd in nodes] for a in attrs}
    names = [str(nd.get("label", nd.get("name", nd["id"]))) for nd in nodes]
    return Source(keys=[str(nd["id"]) for nd in nodes], names=names, columns=cols, graph=g)


def _weight(attrs: dict) -> float:
    for k in ("weight", "value"):
        v = attrs.get(k)
        if isinstance(v, (int, float)) and v > 0:
            return float(v)
    return 1.0


def read_edge_csv(path: Path, delimiter="", encoding="utf-8") -> list[tuple]:
    header, rows = open_table(path, delimiter, encoding)
    has_w = len(header) >= 3
    out = []
    for line, row in rows:
        s, t = field(row, 0, path, line), field(row, 1, path, line)
        attrs = {}
        if has_w and len(row) >= 3 and row[2].strip():
            try:
                attrs["weight"] = float(row[2])
            except ValueError:
                raise DataError(f"{path}:{line}: weight {row[2]!r} is not a number") from None
        out.append((s, t, attrs))
    if not out:
        raise DataError(f"{path}: no edges")
    return out


def read_spec(spec: dict, progress=None) -> Source:
    s = spec["source"]
    path = resolve_path(spec, s["path"])
    suffix = path.suffix.lower()
    if suffix == ".gml":
        try:
            text = path.read_text(encoding=s["encoding"])
        except FileNotFoundError:
            raise DataError(f"{path}: no such file") from None
        except UnicodeDecodeError as e:
            raise DataError(f"{path}: not {s['encoding']} text ({e.reason})") from None
        nodes, edges = parse_gml(text, path)
    elif suffix == ".graphml":
        if not path.exists():
            raise DataError(f"{path}: no such file")
        nodes, edges = parse_graphml(path)
    else:
        edges = read_edge_csv(path, s["delimiter"], s["encoding"])
        nodes = []
        if s["names"]:
            npath = resolve_path(spec, s["names"])
            keys = sorted({x for e in edges for x in e[:2]}, key=_natural)
            names, cols = read_names(npath, keys, s["names_key"], s["names_column"], s["metadata"], s["delimiter"], s["names_encoding"])
            nodes = [{"id": k, "name": nm, **{c: v[i] for c, v in cols.items()}} for i, (k, nm) in enumerate(zip(keys, names))]
    if progress:
        progress(1, 1)
    return from_edges(nodes, edges, path, s["directed"])


def _natural(k: str):
    return (0, int(k), "") if k.isdigit() else (1, 0, k)
