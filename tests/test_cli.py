"""The real CLI on broken input: one line per problem, exit 2, no traceback, nothing half-written."""

from __future__ import annotations

import shutil

from atlas.spec import SCHEMA
from tests.conftest import ROOT, run_atlas


def _spec(tmp_path, text, name="s.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def errors(proc) -> str:
    """The error lines of a run (progress lines of the stages before the failure are dropped)."""
    assert "Traceback" not in proc.stderr + proc.stdout
    return "".join(line + "\n" for line in proc.stderr.splitlines() if line.startswith("error:"))


def test_bad_spec_reports_every_problem_with_file_line_and_key(tmp_path):
    p = _spec(tmp_path, '[site]\nname = "x"\n\n[source]\nkind = "playlist"\npath = "a.json"\n\n[neighbors]\nk = "ten"\nkk = 3\n\n[layot]\n')
    proc = run_atlas("build", p, check=False)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f'error: {p}:5: [source].kind: expected one of playlists, interactions, graph, vectors, got "playlist"',
        f'error: {p}:9: [neighbors].k: expected int, got "ten"',
        f"error: {p}:10: [neighbors].kk: unknown key (did you mean 'k'?)",
        f"error: {p}:12: [layot]: unknown section (did you mean 'layout'?)",
    ]
    assert "Traceback" not in proc.stderr + proc.stdout


def test_missing_required_keys_and_out_of_range(tmp_path):
    p = _spec(tmp_path, '[site]\ntitle = "t"\n[layout]\ndims = 4\n')
    proc = run_atlas("build", p, check=False)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"error: {p}:1: [site].name: required key is missing",
        f"error: {p}:4: [layout].dims: expected int in [2, 3], got 4",
        f"error: {p}: [source].kind: required key is missing",
        f"error: {p}: [source].path: required key is missing",
    ]


def test_invalid_toml_names_the_line(tmp_path):
    p = _spec(tmp_path, '[site]\nname = "x"\ntitle = \n')
    proc = run_atlas("build", p, check=False)
    assert proc.returncode == 2 and proc.stderr.startswith(f"error: {p}:3: invalid TOML: ")
    assert len(proc.stderr.splitlines()) == 1


def test_missing_data_file_and_bad_data_line(tmp_path):
    p = _spec(tmp_path, '[site]\nname = "x"\n[source]\nkind = "interactions"\npath = "nope.tsv"\n')
    proc = run_atlas("build", p, check=False, cwd=tmp_path)
    assert proc.returncode == 2 and errors(proc) == f"error: {tmp_path / 'nope.tsv'}: no such file\n"
    (tmp_path / "w.csv").write_text("user,item,w\nu1,a,1\nu1,b,2\nu2,a,x\n")
    p = _spec(tmp_path, '[site]\nname = "x"\n[source]\nkind = "interactions"\npath = "w.csv"\nweight_column = "w"\n')
    proc = run_atlas("build", p, check=False, cwd=tmp_path)
    assert proc.returncode == 2 and errors(proc) == f"error: {tmp_path / 'w.csv'}:4: weight 'x' is not a number\n"


def test_unknown_column_names_the_columns(tmp_path):
    (tmp_path / "w.csv").write_text("user,item\nu1,a\n")
    p = _spec(tmp_path, '[site]\nname = "x"\n[source]\nkind = "interactions"\npath = "w.csv"\nitem_column = "artist"\n')
    proc = run_atlas("build", p, check=False, cwd=tmp_path)
    assert errors(proc) == f"error: {tmp_path / 'w.csv'}: item_column: no column 'artist' (columns: user, item)\n"


def test_failed_build_leaves_the_previous_site_intact(lesmis_site, tmp_path):
    out = tmp_path / "site"
    shutil.copytree(lesmis_site, out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    gml = (ROOT / "sites" / "../../shared/data/newman-network-data/lesmis.gml").resolve()
    text = (ROOT / "sites/lesmis.toml").read_text().replace("../../shared/data/newman-network-data/lesmis.gml", str(gml))
    broken = _spec(tmp_path, text.replace("clusters = 6", 'clusters = 6\nby = "genre"'), "lesmis.toml")
    proc = run_atlas("build", broken, "--out", out, check=False)
    assert proc.returncode == 2
    assert errors(proc) == f"error: {broken}:25: [color].by: no column 'genre' (columns: cluster)\n"
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site.")], "a temporary folder was left behind"


def test_check_and_info_refuse_a_folder_that_is_not_a_site(tmp_path):
    for verb in ("check", "info"):
        proc = run_atlas(verb, tmp_path, check=False)
        assert proc.returncode == 1 and errors(proc) == f"error: {tmp_path / 'manifest.json'}: no manifest (is this a built atlas site?)\n"


def test_help_is_fast_and_lists_every_command():
    proc = run_atlas("--help")
    for verb in ("build", "serve", "check", "info", "new"):
        assert verb in proc.stdout


def test_every_spec_key_and_command_is_documented():
    spec_doc = (ROOT / "docs/spec.md").read_text()
    for section, fields in SCHEMA.items():
        assert f"## [{section}]" in spec_doc
        for key in fields:
            assert f"| `{key}` |" in spec_doc, f"[{section}].{key} is not in docs/spec.md"
    readme = (ROOT / "README.md").read_text()
    for verb in ("build", "serve", "check", "info", "new"):
        assert f"`atlas {verb}" in readme
    assert "atlas build sites/demo.toml" in readme


def test_new_scaffolds_a_project_whose_spec_builds(tmp_path):
    import json

    proj = tmp_path / "my-atlas"
    run_atlas("new", proj)
    wf = (proj / ".github/workflows/atlas.yml").read_text()
    assert "actions/upload-pages-artifact" in wf and "actions/deploy-pages" in wf and "atlas build site.toml --out _site" in wf
    rng = __import__("numpy").random.default_rng(0)
    rows = ["user,item"] + [f"u{u},i{int(i)}" for u in range(60) for i in rng.choice(40, 8, replace=False) + (u % 2) * 20 // 2]
    (proj / "data/interactions.csv").write_text("\n".join(rows) + "\n")
    run_atlas("build", proj / "site.toml", "--out", proj / "_site", "--quiet")
    assert json.loads((proj / "_site/manifest.json").read_text())["name"] == "my-atlas"
    proc = run_atlas("new", proj, check=False)
    assert proc.returncode == 2 and errors(proc) == f"error: {proj}: already exists and is not empty; choose a new name\n"


def test_serve_serves_the_site_and_prints_its_addresses(lesmis_site):
    import subprocess
    import sys
    import time
    import urllib.request

    proc = subprocess.Popen([sys.executable, "-m", "atlas.cli", "serve", str(lesmis_site), "--port", "0", "--host", "127.0.0.1"], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith(f"serving {lesmis_site} at http://localhost:")
        port = int(line.rsplit(":", 1)[1].strip("/\n"))
        deadline = time.time() + 10
        while True:
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/manifest.json").read()
                break
            except OSError:
                assert time.time() < deadline
                time.sleep(0.1)
        assert b'"atlas-site"' in body
        blob = urllib.request.urlopen(f"http://127.0.0.1:{port}/points.bin.br").read()
        assert blob == (lesmis_site / "points.bin.br").read_bytes()
    finally:
        proc.terminate()
        proc.wait(5)
