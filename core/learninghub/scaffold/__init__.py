"""``learninghub plugin new NAME``: copy ``plugin/`` with names filled in.

Tokens replaced in file names and contents: ``__NAME__`` (plugin name),
``__PKG__`` (``learninghub_<name>``), ``__DIST__`` (``learninghub-<name>``),
``__TITLE__`` and ``__CLASS__`` (CamelCase name).
"""

from __future__ import annotations

import os
from importlib import resources

from ..errors import InvalidManifest
from ..manifest import NAME_RE

TEXT_SUFFIXES = (".py", ".cfg", ".toml", ".md", ".jinja2", ".txt")


def scaffold_plugin(name: str, dest: str = "plugins", title: str | None = None) -> str:
    if not NAME_RE.match(name):
        raise InvalidManifest(f"invalid plugin name {name!r} (lower-case letters, digits, _)")
    target = os.path.join(dest, name)
    if os.path.exists(target):
        raise InvalidManifest(f"{target} exists already")
    tokens = {
        "__NAME__": name,
        "__PKG__": f"learninghub_{name}",
        "__DIST__": f"learninghub-{name.replace('_', '-')}",
        "__TITLE__": title or name.replace("_", " ").title(),
        "__CLASS__": "".join(part.title() for part in name.split("_")),
    }

    def fill(text: str) -> str:
        for token, value in tokens.items():
            text = text.replace(token, value)
        return text

    root = resources.files(__name__).joinpath("plugin")
    with resources.as_file(root) as src:
        for dirpath, dirnames, filenames in os.walk(src):
            dirnames[:] = [d for d in dirnames if d != "__pycache__"]
            rel = os.path.relpath(dirpath, src)
            out_dir = os.path.join(target, fill(rel)) if rel != "." else target
            os.makedirs(out_dir, exist_ok=True)
            for filename in filenames:
                if filename.endswith(".pyc"):
                    continue
                with open(os.path.join(dirpath, filename), encoding="utf-8") as fh:
                    content = fh.read()
                out_name = fill(filename[:-5] if filename.endswith(".tmpl") else filename)
                with open(os.path.join(out_dir, out_name), "w", encoding="utf-8") as fh:
                    fh.write(fill(content))
    return target
