"""The national default pact texts (from shared/domain), as title and body.

The markdown files wrap lines at 100 columns; a pact's body keeps one paragraph or numbered
point per line, so that what is hashed is what is read, on any screen width.
"""

import re
from pathlib import Path

_DIR = Path(__file__).resolve().parent / "default_texts"
FILES = {"citizen": "pakta-warga.md", "officer": "pakta-petugas.md"}


def parse(markdown: str) -> tuple[str, str]:
    lines = markdown.strip().splitlines()
    title = re.sub(r"\s*\(versi \d+\)\s*$", "", lines[0].lstrip("# ").strip())
    paragraphs: list[str] = []
    for line in lines[1:]:
        stripped = line.strip()
        if not stripped:
            if paragraphs and paragraphs[-1] != "":
                paragraphs.append("")
            continue
        starts_item = bool(re.match(r"^\d+\.\s", stripped))
        if paragraphs and paragraphs[-1] != "" and not starts_item:
            paragraphs[-1] += " " + stripped
        else:
            paragraphs.append(stripped)
    body = "\n".join(paragraphs).strip()
    body = re.sub(r"\n\n+", "\n\n", body)
    return title, body


def default_text(audience: str) -> tuple[str, str]:
    return parse((_DIR / FILES[audience]).read_text(encoding="utf-8"))
