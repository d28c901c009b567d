"""`atlas new NAME`: a project folder with a commented spec and a GitHub Pages workflow."""

from __future__ import annotations

import re
from pathlib import Path

from atlas.errors import AtlasError


class NewError(AtlasError):
    exit_code = 2


SPEC = '''# {name}: an atlas spec. Every key is documented in atlas's docs/spec.md; paths are relative to this file.
[site]
name = "{name}"                 # the folder under build/ and the artifact name
title = "{title}"
description = "What is mapped, and what puts two things close together."

[source]
# What the data is: "playlists" (Million Playlist Dataset slices), "interactions" (a CSV/TSV of
# user or list, item[, weight]), "graph" (edge CSV, GML or GraphML) or "vectors" (.npy or CSV).
kind = "interactions"
path = "data/interactions.csv"
collection_column = 0           # a header name or a 0-based column number
item_column = 1
# weight_column = "plays"
# names = "data/items.csv"      # item id, display name, more columns kept as metadata
# names_key = "id"
# names_column = "name"
# metadata = ["genre", "year"]

[filter]
min_count = 2                   # drop items held by fewer lists
max_entities = 0                # 0 keeps all; else the most frequent

[neighbors]
k = 20                          # neighbors listed per item ("related")

[embedding]
method = "mde"                  # mde, pymde, word2vec, node2vec, vectors
dims = 16

[layout]
method = "umap"                 # umap, umap-learn, mde, pca
dims = 2                        # 3 for a galaxy

[color]
by = "cluster"                  # a metadata column, or "cluster"
'''

WORKFLOW = '''# Builds the atlas and publishes it on GitHub Pages at every push to main.
# Repository settings → Pages → Source: "GitHub Actions".
name: atlas
on:
  push:
    branches: [main]
  workflow_dispatch:
permissions:
  contents: read
  pages: write
  id-token: write
concurrency:
  group: pages
  cancel-in-progress: true
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
          cache: pip
      - run: python -m pip install -r requirements.txt
      - run: atlas build site.toml --out _site
      - run: atlas check _site
      - uses: actions/upload-pages-artifact@v3
        with:
          path: _site
  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - id: deployment
        uses: actions/deploy-pages@v4
'''

REQUIREMENTS = '''# Where the workflow installs atlas from: a git URL ("atlas @ git+https://github.com/OWNER/atlas"),
# or a path. Pin a version or commit so the site rebuilds the same way.
atlas
'''

README = '''# {title}

An embedding atlas built with atlas.

    atlas build site.toml        # writes build/{name}/
    atlas serve build/{name}     # look at it (a phone on the same Wi-Fi can open the LAN address)

Put your data in `data/` and describe it in `site.toml`. Pushing to `main` builds the site and
publishes it on GitHub Pages (`.github/workflows/atlas.yml`; set Settings → Pages → Source to
"GitHub Actions" once). The site uses relative URLs only, so it works at
`https://USER.github.io/REPO/` as from any file server.
'''


def run(folder: Path) -> list[Path]:
    """Write the scaffold into `folder` (which must not exist or be empty); returns the files written."""
    folder = Path(folder)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", folder.name).strip("-.") or "atlas"
    if folder.exists() and any(folder.iterdir()):
        raise NewError(f"{folder}: already exists and is not empty; choose a new name")
    files = {
        "site.toml": SPEC.format(name=name, title=name.replace("-", " ").capitalize()),
        ".github/workflows/atlas.yml": WORKFLOW.format(),
        "requirements.txt": REQUIREMENTS,
        "README.md": README.format(name=name, title=name.replace("-", " ").capitalize()),
        ".gitignore": "build/\n_site/\n",
        "data/.gitkeep": "",
    }
    out = []
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        out.append(path)
    return out
