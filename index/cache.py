"""A least-recently-used cache bounded by the total size of what it holds.

Search remembers per-word answers (posting sets, literal matches) across queries,
because staff repeat words; but a server sees an open-ended stream of distinct
queries, so what it remembers must stay bounded.  Entries are sets of very
different sizes (知识产权 matches thousands of clauses, 火星 none), so the bound is
on the summed size of the values, not on their number: memory stays flat however
many distinct queries come in.
"""
from __future__ import annotations

import threading
from collections import OrderedDict


class BoundedCache:
    """``get``/``put`` under a lock; evicts the least recently used entries once the
    summed ``size(value) + 1`` of all entries passes ``budget``."""

    def __init__(self, budget: int, size=len):
        self.budget = budget
        self._size = size
        self._data: OrderedDict = OrderedDict()
        self._weights: dict = {}
        self.weight = 0
        self._lock = threading.Lock()

    def get(self, key, default=None):
        with self._lock:
            value = self._data.get(key, _MISSING)
            if value is _MISSING:
                return default
            self._data.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        w = self._size(value) + 1
        with self._lock:
            if key in self._data:
                self.weight -= self._weights.pop(key)
                del self._data[key]
            if w > self.budget:
                return  # larger than the whole budget: never kept
            self._data[key] = value
            self._weights[key] = w
            self.weight += w
            while self.weight > self.budget:
                old, _ = self._data.popitem(last=False)
                self.weight -= self._weights.pop(old)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._weights.clear()
            self.weight = 0

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key) -> bool:
        return key in self._data


_MISSING = object()
