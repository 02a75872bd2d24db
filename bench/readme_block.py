"""Replaces the block between <!-- NAME:begin --> and <!-- NAME:end --> of a markdown file with a table file
(appends the block when the markers are absent). Used by the serving and gateway-hop benchmark scripts.

    python3 bench/readme_block.py NAME TABLE_FILE [README=bench/README-inference.md]
"""
import pathlib
import sys

name, table = sys.argv[1], pathlib.Path(sys.argv[2])
readme = pathlib.Path(sys.argv[3] if len(sys.argv) > 3 else "bench/README-inference.md")
begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
text = readme.read_text()
block = begin + "\n" + table.read_text() + end
if begin in text:
    head, rest = text.split(begin, 1)
    if end not in rest:
        sys.exit(f"{readme}: expected {end} after {begin}, found none")
    text = head + block + rest.split(end, 1)[1]
else:
    text = text.rstrip() + "\n\n" + block + "\n"
readme.write_text(text)
