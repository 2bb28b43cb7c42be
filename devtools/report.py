"""The table of what went into dist/: raw bytes and bytes sent by our gzip server."""

from pathlib import Path

from devtools.server import gzip_if_worth_it


def size_rows(dist: Path) -> list[tuple[str, int, int, int]]:
    """(label, files, raw bytes, bytes over the wire with gzip) per file of pyodide/, models/
    and data/, and per top-level group for the rest (the page, vendor/...)."""
    groups: dict[str, list[Path]] = {}
    for path in sorted(p for p in dist.rglob("*") if p.is_file()):
        rel = path.relative_to(dist)
        if rel.parts[0] in ("pyodide", "models", "data"):
            label = rel.as_posix()
        elif rel.parts[0] == "vendor" and len(rel.parts) > 2:
            label = "/".join(rel.parts[:2]) + "/"
        else:
            label = "page (html, css, js)"
        groups.setdefault(label, []).append(path)
    rows = []
    for label, paths in groups.items():
        raw = wire = 0
        for path in paths:
            data = path.read_bytes()
            packed = gzip_if_worth_it(data)
            raw += len(data)
            wire += len(packed) if packed is not None else len(data)
        rows.append((label, len(paths), raw, wire))
    return rows


def format_table(rows) -> str:
    def mb(n: int) -> str:
        return f"{n / 1e6:8.2f} MB" if n >= 1_000_000 else f"{n / 1e3:8.1f} kB"

    width = max([len(r[0]) for r in rows] + [len("total")])
    lines = [f"  {'dist/':<{width}}  files        raw   gzip (served)"]
    for label, files, raw, wire in rows:
        lines.append(f"  {label:<{width}}  {files:5d}  {mb(raw)}  {mb(wire)}")
    total = (sum(r[1] for r in rows), sum(r[2] for r in rows), sum(r[3] for r in rows))
    lines.append(f"  {'total':<{width}}  {total[0]:5d}  {mb(total[1])}  {mb(total[2])}")
    return "\n".join(lines)
