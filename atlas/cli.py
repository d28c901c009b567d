"""The `atlas` command line: thin typer functions that call `atlas/commands/<verb>.py`.

Heavy imports live in the commands, so `atlas --help` is instant. User mistakes (a bad spec, bad
data, a broken site) print one line and exit 2 (1 for build failures); `--debug` shows tracebacks.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from atlas.errors import AtlasError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Build static embedding atlases: a spec in, a WebGL site out.")
_state = {"debug": False}


@app.callback()
def main(debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors.")):
    _state["debug"] = debug


def _fail(e: Exception) -> None:
    if _state["debug"]:
        raise e
    lines = getattr(e, "lines", None) or [str(e)]
    for line in lines:
        typer.echo(f"error: {line}", err=True)
    raise typer.Exit(getattr(e, "exit_code", 1))


@app.command()
def build(
    spec: Path = typer.Argument(..., help="The dataset spec (TOML)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default: build/<site name>)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only errors."),
):
    """Build the site of SPEC into build/<name>/ (or --out)."""
    from atlas.commands import build as cmd
    from atlas.progress import Progress

    try:
        folder, man = cmd.run(spec, out, Progress(quiet=quiet))
    except (AtlasError, ValueError) as e:
        _fail(e)
    if not quiet:
        pts = next(f["bytes"] for f in man["files"] if f["path"] == "points.bin.br")
        typer.echo(f"built {folder}: {man['counts']['entities']} entities, points {pts / man['counts']['entities']:.2f} B/pt, {sum(man['stages'].values()):.1f} s")


@app.command()
def serve(
    folder: Path = typer.Argument(..., help="A built site."),
    port: int = typer.Option(8000, "--port", help="Port (0 picks a free one)."),
    host: str = typer.Option("0.0.0.0", "--host", help="Address to listen on (0.0.0.0: reachable from the LAN)."),
):
    """Serve a built site over HTTP (prints a LAN address for phones on the same network)."""
    from atlas.commands import serve as cmd

    try:
        cmd.run(folder, host, port)
    except (AtlasError, OSError) as e:
        _fail(e)


@app.command()
def check(folder: Path = typer.Argument(..., help="A built site.")):
    """Decode every file of a site and verify sizes, hashes and cross-references."""
    from atlas.commands import check as cmd

    try:
        problems = cmd.run(folder)
    except AtlasError as e:
        _fail(e)
    for p in problems:
        typer.echo(f"error: {p}", err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo(f"ok: {folder}")


@app.command()
def info(folder: Path = typer.Argument(..., help="A built site."), as_json: bool = typer.Option(False, "--json", help="Print JSON.")):
    """Counts, sizes and stage timings of a built site."""
    from atlas.commands import info as cmd

    try:
        data = cmd.run(folder)
    except AtlasError as e:
        _fail(e)
    if as_json:
        typer.echo(json.dumps(data, indent=1, ensure_ascii=False))
    else:
        typer.echo(cmd.table(data))


@app.command("eval")
def eval_(
    spec: Path = typer.Argument(..., help="The dataset spec (TOML)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    seed: int = typer.Option(0, "--seed", help="Seed of the held-out split."),
    holdout: float = typer.Option(0.2, "--holdout", help="Fraction of collections held out."),
    no_layout: bool = typer.Option(False, "--no-layout", help="Skip the embedding and map figures (faster)."),
):
    """Judge neighbor lists, embedding and map on held-out collections, against baselines."""
    from atlas.commands import eval as cmd

    try:
        fig = cmd.run(spec, seed=seed, holdout=holdout, layout_quality=not no_layout)
    except (AtlasError, ValueError) as e:
        _fail(e)
    typer.echo(json.dumps(fig, indent=1) if as_json else cmd.table(fig))


@app.command()
def new(folder: Path = typer.Argument(..., help="Folder of the new project.")):
    """Scaffold a project: a commented spec and a GitHub Actions workflow that publishes to Pages."""
    from atlas.commands import new as cmd

    try:
        files = cmd.run(folder)
    except AtlasError as e:
        _fail(e)
    for f in files:
        typer.echo(f"wrote {f}")
    typer.echo(f"next: put data in {folder}/data/, edit {folder}/site.toml, then `atlas build {folder}/site.toml`")


if __name__ == "__main__":
    sys.exit(app())
