"""Delimited text files as real files have them: a header row, tabs or commas, CRLF, Latin-1."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterator

from atlas.errors import DataError


def delimiter_for(path: Path, given: str = "") -> str:
    if given:
        return "\t" if given in ("\\t", "tab") else given
    return "\t" if path.suffix.lower() in (".tsv", ".dat", ".tab") else ","


def open_table(path: Path, delimiter: str = "", encoding: str = "utf-8") -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """(header, rows): header names stripped; rows yield (1-based line number, fields)."""
    path = Path(path)
    try:
        f = open(path, encoding=encoding, newline="")
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except LookupError:
        raise DataError(f"{path}: unknown encoding {encoding!r}") from None
    reader = csv.reader(f, delimiter=delimiter_for(path, delimiter))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise DataError(f"{path}: empty file") from None
    except UnicodeDecodeError as e:
        raise DataError(f"{path}:1: not {encoding} text ({e.reason}); set the encoding in the spec") from None

    def rows():
        try:
            for row in reader:
                if row:
                    yield reader.line_num, row
        except UnicodeDecodeError as e:
            raise DataError(f"{path}:{reader.line_num + 1}: not {encoding} text ({e.reason}); set the encoding in the spec") from None
        except csv.Error as e:
            raise DataError(f"{path}:{reader.line_num}: {e}") from None
        finally:
            f.close()

    return header, rows()


def column_index(header: list[str], col: str | int, path: Path, what: str) -> int:
    """Index of a column given by header name or 0-based number; DataError naming `what` otherwise."""
    if isinstance(col, int):
        if 0 <= col < len(header):
            return col
        raise DataError(f"{path}: {what}: column {col} does not exist ({len(header)} columns)")
    if col in header:
        return header.index(col)
    raise DataError(f"{path}: {what}: no column {col!r} (columns: {', '.join(header)})")


def field(row: list[str], i: int, path: Path, line: int) -> str:
    try:
        return row[i].strip()
    except IndexError:
        raise DataError(f"{path}:{line}: expected at least {i + 1} fields, got {len(row)}") from None
