"""Hook answers of a plugin split into parts.

A large plugin (assessment, payments, streaming) keeps each part in a subpackage with its
own routes and an optional ``<part>/hooks.py``. Pluggy registers only the plugin's
package module, so its ``@hookimpl`` functions ask the parts: a part implements a hook
by defining, in its ``hooks`` module, a function named like the hook without its
``learninghub_`` prefix::

    PARTS = PluginParts(__name__, ("questions", "quizzes"))


    @hookimpl
    def learninghub_nav_items(request):
        return PARTS.gather("nav_items", request=request)

``gather`` and ``first`` isolate the parts like ``request.hooks`` isolates plugins (a
part that raises is logged and skipped, and never hides the other parts' answers);
``call_each`` lets an exception propagate, for hooks that run inside a transaction whose
failure must roll it back (``learninghub_domain_event_emitted``, payments' settlement).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator
from typing import Any

log = logging.getLogger(__name__)


class PluginParts:
    def __init__(self, package: str, names: tuple[str, ...]) -> None:
        self.package = package
        self.names = names

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def functions(self, name: str) -> Iterator[Any]:
        """The parts' functions called ``name``, in the parts' order."""
        for part in self.names:
            module_name = f"{self.package}.{part}.hooks"
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise
                continue
            function = getattr(module, name, None)
            if function is not None:
                yield function

    def _answers(self, name: str, kwargs: dict[str, Any]) -> Iterator[Any]:
        for function in self.functions(name):
            try:
                yield function(**kwargs)
            except Exception:
                log.exception(
                    "hook %s of part %s raised; skipped",
                    name,
                    function.__module__,
                    extra={"plugin": self.package},
                )

    def gather(self, name: str, **kwargs: Any) -> list:
        """Concatenate the lists the parts answer."""
        return [item for answer in self._answers(name, kwargs) for item in (answer or [])]

    def first(self, name: str, **kwargs: Any) -> Any:
        """The first answer that is not None."""
        for answer in self._answers(name, kwargs):
            if answer is not None:
                return answer
        return None

    def call_each(self, name: str, **kwargs: Any) -> None:
        """Call every part's function; an exception propagates."""
        for function in self.functions(name):
            function(**kwargs)
