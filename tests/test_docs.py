"""The documentation: README.md stays a front door, and no relative link is broken.

Links are the markdown ones, ``[text](path)`` and ``![alt](path)``, in README.md and in every
``docs/**/*.md``; web and mail addresses are not checked, code (fenced blocks and inline
``code``) holds no links. A path is relative to the file that links it.
"""

import re
from urllib.parse import unquote

import pytest
from conftest import REPO

README_MAX_BYTES = 12_000

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)
EXTERNAL = ("http://", "https://", "mailto:")


def doc_files():
    return [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]


def prose(text):
    """The text without its code: fenced blocks and inline code spans."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def links(path):
    """The link targets of a markdown file, as written."""
    return [m.group(1).strip("<>") for m in LINK.finditer(prose(path.read_text()))]


def slug(heading):
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path):
    found, seen = set(), {}
    for heading in HEADING.findall(FENCE.sub("", path.read_text())):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if not count else f"{base}-{count}")
    return found


def test_readme_is_a_front_door():
    size = len((REPO / "README.md").read_bytes())
    assert size <= README_MAX_BYTES, (
        f"README.md is {size} bytes (at most {README_MAX_BYTES}): move the detail to docs/")


@pytest.mark.parametrize("path", doc_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_resolve(path):
    broken = []
    for target in links(path):
        if target.startswith(EXTERNAL) or target.startswith("#"):
            continue
        relative = unquote(target.split("#", 1)[0])
        if not (path.parent / relative).exists():
            broken.append(target)
    assert not broken, f"{path.relative_to(REPO)}: broken links {broken}"


@pytest.mark.parametrize("path", doc_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_anchors_into_markdown_exist(path):
    broken = []
    for target in links(path):
        if target.startswith(EXTERNAL) or "#" not in target:
            continue
        relative, anchor = target.split("#", 1)
        linked = (path.parent / unquote(relative)) if relative else path
        if linked.suffix == ".md" and linked.is_file() and anchor not in anchors(linked):
            broken.append(target)
    assert not broken, f"{path.relative_to(REPO)}: links to missing headings {broken}"


def test_the_link_checker_reads_markdown():
    text = "[a](x.md) ![b](img/y.png) [c](z.md#part) `[no](code.md)` [w](https://e.org)\n"
    assert LINK.findall(prose(text)) == ["x.md", "img/y.png", "z.md#part", "https://e.org"]
    assert slug("Getting Odoo 18.0") == "getting-odoo-180"
    assert slug("The harness: `./dev`") == "the-harness-dev"
