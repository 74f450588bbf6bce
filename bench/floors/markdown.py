"""Floor of ``srs import``: markdown-it-py parsing the same files alone, in one process.

Walks the tree as the importer does (``.md``/``.markdown``, hidden folders skipped), reads
and decodes each file and parses it to tokens with the CommonMark parser plus the plugins
the importer enables (tables, front matter, dollar math). Nothing else.

Usage: markdown.py ROOT
"""

import os
import sys

from markdown_it import MarkdownIt


def parser() -> MarkdownIt:
    """The importer's configuration (srs/domain/parser.py): CommonMark + tables + front matter + dollar math."""
    md = MarkdownIt("commonmark").enable("table")
    try:
        from mdit_py_plugins.dollarmath import dollarmath_plugin
        from mdit_py_plugins.front_matter import front_matter_plugin

        md.use(front_matter_plugin).use(dollarmath_plugin, double_inline=True)
    except ImportError:
        pass
    return md


def main() -> None:
    md = parser()
    files = tokens = 0
    for folder, dirs, names in os.walk(sys.argv[1]):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.endswith((".md", ".markdown")):
                with open(os.path.join(folder, name), "rb") as handle:
                    text = handle.read().decode("utf-8-sig")
                tokens += len(md.parse(text))
                files += 1
    print(f"files={files} tokens={tokens}")


main()
