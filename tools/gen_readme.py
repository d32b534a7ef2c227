#!/usr/bin/env python3
"""Build each addon's README.rst from its readme/*.md fragments (OCA layout).

    python3 tools/gen_readme.py          write the README.rst files
    python3 tools/gen_readme.py --check  exit 1 if one is out of date

The fragments are the source; README.rst is what Odoo's Apps screen and PyPI show.
Markdown is kept nearly as is: the fragments use only what reads the same in RST
(paragraphs, numbered and bulleted lists, *emphasis*), with `code` made ``literal``.
"""

import ast
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ADDONS = [
    "agency_billing", "agency_billing_sync", "agency_billing_analytics",
    "agency_billing_hubspot", "agency_billing_pm",
]
SECTIONS = [("DESCRIPTION.md", None), ("CONFIGURE.md", "Configuration"), ("USAGE.md", "Usage")]


def md_to_rst(text):
    return re.sub(r"(?<!`)`([^`\n]+)`(?!`)", r"``\1``", text.strip())


def render(addon):
    manifest = ast.literal_eval((REPO / addon / "__manifest__.py").read_text())
    title = manifest["name"]
    out = [
        "=" * len(title), title, "=" * len(title), "",
        ".. This file is generated from readme/*.md by tools/gen_readme.py: edit those.", "",
        f"*{manifest['summary']}*", "",
        f"Version {manifest['version']}, license {manifest['license']}.", "",
        ".. contents::", "   :local:", "",
    ]
    for fragment, heading in SECTIONS:
        path = REPO / addon / "readme" / fragment
        if not path.exists():
            continue
        if heading:
            out += [heading, "=" * len(heading), ""]
        out += [md_to_rst(path.read_text()), ""]
    out += ["Credits", "=======", "", f"Authors: {manifest['author']}", ""]
    return "\n".join(out)


def main(argv):
    stale = []
    for addon in ADDONS:
        target = REPO / addon / "README.rst"
        text = render(addon)
        if "--check" in argv:
            if not target.exists() or target.read_text() != text:
                stale.append(str(target.relative_to(REPO)))
        else:
            target.write_text(text)
    if stale:
        print("Out of date (run python3 tools/gen_readme.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
