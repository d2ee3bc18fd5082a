#!/usr/bin/env python3
"""Turn README.md's ```sh blocks into one bash script, in order.

Usage: readme_check.py README.md API_URL > script.sh

A block preceded by the line `<!-- readme-check: skip -->` (blank lines
between allowed) is left out, and said so on stderr: it is for commands CI
cannot run (builds, the test suite, benchmarks, long-running servers). Every
other ```sh block runs, in one bash session with `set -Eeuo pipefail`, so a
variable one block defines is there for the next, and any failing command
fails the check with its README line.

The README's readers run the server on 127.0.0.1:8080; CI runs it on a free
port, so the one line `API=http://127.0.0.1:8080/api/v1` is rewritten to
API_URL (it must appear exactly once). Nothing else is changed.
"""

import re
import shlex
import sys

SKIP = "<!-- readme-check: skip -->"
API_LINE = "API=http://127.0.0.1:8080/api/v1"


def blocks(lines):
    """(first line number of the body, heading, body lines, skipped) per ```sh block."""
    heading, marked, i = "", False, 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            heading, marked = line.lstrip("# ").strip(), False
        elif line.strip() == SKIP:
            marked = True
        elif line.startswith("```"):
            fence_at, lang = i, line[3:].strip()
            i += 1
            body = []
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            if i == len(lines):
                sys.exit(f"README.md:{fence_at + 1}: unclosed code block")
            if lang in ("bash", "shell", "console", "zsh", "shell-session"):
                # Would otherwise go unchecked; the README writes every shell block as sh.
                sys.exit(f"README.md:{fence_at + 1}: a ```{lang} block: write it as ```sh")
            if lang == "sh":
                yield fence_at + 2, heading, body, marked
            elif marked:
                sys.exit(f"README.md:{fence_at + 1}: skip marker before a block that is not sh")
            marked = False
        elif line.strip():
            if marked:
                sys.exit(f"README.md:{i + 1}: the skip marker must come right before a ```sh block")
        i += 1


def main():
    readme, api = sys.argv[1], sys.argv[2]
    with open(readme, encoding="utf-8") as f:
        lines = f.read().split("\n")

    out = [
        "set -Eeuo pipefail",
        # Background processes the blocks start (the webhook receiver) end with the session.
        "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT",
        "readme_offset=0",
        "trap 'echo \"readme-check: failed at README.md:$((LINENO - readme_offset))"
        " (exit $?)\" >&2' ERR",
    ]
    api_lines, ran, skipped = 0, 0, 0
    for first, heading, body, skip in blocks(lines):
        if skip:
            skipped += 1
            print(f"readme-check: skipped README.md:{first - 1} ({heading})", file=sys.stderr)
            continue
        ran += 1
        print(f"readme-check: runs    README.md:{first - 1} ({heading})", file=sys.stderr)
        out.append(f"echo {shlex.quote(f'=== README.md:{first - 1}: {heading}')}")
        # The block's first line is script line len(out) + 2.
        out.append(f"readme_offset={len(out) + 2 - first}")
        for line in body:
            if line == API_LINE:
                api_lines += 1
                line = f"API={api}"
            out.append(line)
    if api_lines != 1:
        sys.exit(f"README.md: expected the line {API_LINE!r} once, found it {api_lines} times")
    if not re.fullmatch(r"http://127\.0\.0\.1:\d+/api/v1", api):
        sys.exit(f"unexpected API URL {api!r}")
    out.append("echo '=== README: every block ran'")
    print(f"readme-check: {ran} blocks to run, {skipped} skipped", file=sys.stderr)
    print("\n".join(out))


if __name__ == "__main__":
    main()
