"""`atlas info DIR`: what a built site holds, for people (a table) and machines (--json)."""

from __future__ import annotations

from pathlib import Path

from atlas.formats import read_manifest


def run(folder: Path) -> dict:
    man = read_manifest(Path(folder))
    n = man["counts"]["entities"]
    by_path = {f["path"]: f["bytes"] for f in man["files"]}
    first_paint = sum(b for p, b in by_path.items() if p == "points.bin.br" or p == "index.html" or p.startswith("assets/"))
    return {
        "name": man["name"],
        "title": man["title"],
        "version": man["version"],
        "generator": man["generator"],
        "counts": man["counts"],
        "bytes": {"total": sum(by_path.values()), "points": by_path.get("points.bin.br", 0), "first_paint": first_paint, "files": len(by_path)},
        "bytes_per_point": {"points": round(by_path.get("points.bin.br", 0) / max(n, 1), 3), "first_paint": round(first_paint / max(n, 1), 3)},
        "columns": man["columns"],
        "stages": man["stages"],
    }


def table(data: dict) -> str:
    c, b = data["counts"], data["bytes"]
    lines = [
        f"{data['title']} ({data['name']}), atlas-site v{data['version']}, {data['generator']}",
        f"  entities     {c['entities']}",
        f"  collections  {c['collections']}",
        f"  neighbors    k={c['k']}",
        f"  layout       {c['dims']}D",
        f"  files        {b['files']}, {b['total']} bytes",
        f"  points       {b['points']} bytes ({data['bytes_per_point']['points']} B/pt)",
        f"  first paint  {b['first_paint']} bytes ({data['bytes_per_point']['first_paint']} B/pt)",
        "  stages       " + ", ".join(f"{k} {v:.1f}s" for k, v in data["stages"].items()),
    ]
    return "\n".join(lines)
