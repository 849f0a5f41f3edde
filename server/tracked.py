"""A dict that says when it has changed, so that what is computed from it can be kept until then.

The attendance figures and the list of who may vote (server/live.py ``LiveMeeting.summary``,
``present_voters``) are counted over the whole roll: thousands of deputies, 1.5–2 ms each time
(docs/performance.md, twelfth session). A vote's opening needs them twice before its state can go
out -- the quorum and the frozen list of who may vote in the writer, the figures again in the state
-- and the chair's console and the hall screen ask four times a second; the roll and the attendance
behind them change far less often. :class:`Tracked` takes a new :attr:`~Tracked.revision` at every
change made through any of its methods, so a cache keyed by the revisions of the dicts it read is
right whenever the key still matches.

Revisions come from one counter for the process: no two states of any ``Tracked`` share one, so a
key cannot match a different content. A copy (``copy.deepcopy``, pickling to the writer process)
is built afresh and takes a revision of its own, never the original's.
"""

from __future__ import annotations

import itertools
from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")

_revisions = itertools.count(1)


class Tracked(dict[K, V]):
    """A ``dict`` whose :attr:`revision` changes with every change of its content."""

    revision: int

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.revision = next(_revisions)

    def _changed(self) -> None:
        self.revision = next(_revisions)

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key: K) -> None:
        super().__delitem__(key)
        self._changed()

    def __ior__(self, other: Any) -> Tracked[K, V]:  # type: ignore[override,misc]
        super().update(other)
        self._changed()
        return self

    def pop(self, *args: Any) -> Any:
        try:
            return super().pop(*args)
        finally:
            self._changed()

    def popitem(self) -> tuple[K, V]:
        try:
            return super().popitem()
        finally:
            self._changed()

    def setdefault(self, key: K, default: Any = None) -> Any:
        try:
            return super().setdefault(key, default)
        finally:
            self._changed()

    def update(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().update(*args, **kwargs)
        finally:
            self._changed()

    def clear(self) -> None:
        super().clear()
        self._changed()

    def __reduce__(self) -> tuple[type[Tracked[K, V]], tuple[dict[K, V]]]:
        """Copied and pickled as a new one from its items: with a revision of its own."""
        return (type(self), (dict(self),))


def revision_of(value: object) -> int | None:
    """The revision of a :class:`Tracked`; None for anything else (which nothing may cache)."""
    return value.revision if isinstance(value, Tracked) else None
