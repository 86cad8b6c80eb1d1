"""Read-only Mappings over the catalog's papers and chunks, loaded on demand and cached.

Opening an index reads nothing but two counts. A lookup reads one row (and keeps it); iterating the
values or items reads every row once, in one query, and keeps them all, since a caller that scans the
collection once (a filter, the evidence cache) usually scans it again. Another process's ingest is seen
by `PaperIndex` after it reloads (its own ingest does that).
"""

from __future__ import annotations

from collections.abc import Callable, ItemsView, Iterator, Mapping, ValuesView
from typing import Generic, TypeVar

T = TypeVar("T")

CACHE_LIMIT = 50_000  # single rows kept before the cache starts over (a full scan keeps everything)


class StoredMap(Mapping[str, T], Generic[T]):
    """`id -> record` read through `one` / `many` / `every`, with `size` rows and `keys_of` for iteration."""

    def __init__(
        self,
        size: Callable[[], int],
        one: Callable[[str], T | None],
        every: Callable[[], Iterator[T]],
        key: Callable[[T], str],
        keys_of: Callable[[], list[str]],
    ) -> None:
        self._size, self._one, self._every, self._key, self._keys_of = size, one, every, key, keys_of
        self._count: int | None = None
        self._cache: dict[str, T] = {}
        self._complete = False

    @classmethod
    def empty(cls) -> StoredMap[T]:
        return cls(lambda: 0, lambda _: None, lambda: iter(()), lambda _: "", list)

    def __len__(self) -> int:
        if self._count is None:
            self._count = self._size()
        return self._count

    def __getitem__(self, key: str) -> T:
        value = self._lookup(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._lookup(key) is not None

    def _lookup(self, key: str) -> T | None:
        if key in self._cache or self._complete:
            return self._cache.get(key)
        value = self._one(key)
        if value is not None:
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = value
        return value

    def __iter__(self) -> Iterator[str]:
        if self._complete:
            return iter(list(self._cache))
        return iter(self._keys_of())

    def _load_all(self) -> dict[str, T]:
        if not self._complete:
            self._cache = {self._key(v): v for v in self._every()}
            self._count = len(self._cache)
            self._complete = True
        return self._cache

    def values(self) -> ValuesView[T]:
        return self._load_all().values()

    def items(self) -> ItemsView[str, T]:
        return self._load_all().items()
