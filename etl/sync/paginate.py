"""Paging, as a small protocol (the shape of dlt's paginators): a paginator says where the
items of a page are and what the next request is. The generic styles here cover the trackers
and accounting APIs: a next link in the body (Harvest `links.next`, Tempo `metadata.next`),
page numbers with a short last page (Clockify, QuickBooks STARTPOSITION via a custom one),
and cursors in response headers (Toggl Reports `X-Next-ID`...)."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from etl.sync.http import ApiError, SyncClient

MAX_PAGES = 100_000  # a paginator that never stops is a bug upstream or here, not a long sync


@dataclass
class PageRequest:
    method: str = "GET"
    url: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None


class Paginator(Protocol):
    def items(self, body: Any) -> list[Any]:
        """The records of one page's decoded body."""

    def next_request(
        self, request: PageRequest, response: httpx.Response, body: Any
    ) -> PageRequest | None:
        """The request for the following page, or None after the last one."""


def dig(body: Any, path: tuple[str, ...]) -> Any:
    """body[path[0]][path[1]]...; None when any step is missing."""
    for key in path:
        if not isinstance(body, Mapping):
            return None
        body = body.get(key)
    return body


def _items_at(body: Any, path: tuple[str, ...], source: str = "") -> list[Any]:
    items = dig(body, path) if path else body
    if items is None:
        return []
    if not isinstance(items, list):
        where = ".".join(path) or "body"
        raise ApiError(f"{source or 'sync'}: expected a list at {where}")
    return items


@dataclass
class JsonLinkPaginator:
    """Follows a full URL found in the body (`links.next`, `metadata.next`) until it is
    null or absent; the URL carries every parameter, so none are re-sent."""

    items_path: tuple[str, ...]
    next_path: tuple[str, ...]

    def items(self, body: Any) -> list[Any]:
        return _items_at(body, self.items_path)

    def next_request(self, request, response, body) -> PageRequest | None:
        url = dig(body, self.next_path)
        if not url:
            return None
        return PageRequest(request.method, str(url), {}, request.json)


@dataclass
class PageNumberPaginator:
    """Page numbers, stopping on a short or empty page (no totals needed). `page_path` says
    where the number goes: ("params", "page") or inside the JSON body, e.g.
    ("json", "detailedFilter", "page")."""

    page_size: int
    items_path: tuple[str, ...] = ()
    page_path: tuple[str, ...] = ("params", "page")
    first_page: int = 1

    def items(self, body: Any) -> list[Any]:
        return _items_at(body, self.items_path)

    def page_of(self, request: PageRequest) -> int:
        return dig(self._container(request), self.page_path[1:]) or self.first_page

    def _container(self, request: PageRequest) -> dict:
        return request.params if self.page_path[0] == "params" else request.json

    def with_page(self, request: PageRequest, page: int) -> PageRequest:
        new = copy.deepcopy(request)
        target = self._container(new)
        for key in self.page_path[1:-1]:
            target = target.setdefault(key, {})
        target[self.page_path[-1]] = page
        return new

    def next_request(self, request, response, body) -> PageRequest | None:
        if len(self.items(body)) < self.page_size:
            return None
        return self.with_page(request, self.page_of(request) + 1)


@dataclass
class HeaderCursorPaginator:
    """Cursors in response headers copied into the next request's JSON body ({header: field});
    stops when `stop_header` is absent."""

    fields: Mapping[str, str]
    stop_header: str
    items_path: tuple[str, ...] = ()

    def items(self, body: Any) -> list[Any]:
        return _items_at(body, self.items_path)

    def next_request(self, request, response, body) -> PageRequest | None:
        if not response.headers.get(self.stop_header):
            return None
        new = copy.deepcopy(request)
        new.json = dict(new.json or {})
        for header, name in self.fields.items():
            value = response.headers.get(header)
            if value is not None:
                new.json[name] = int(value) if value.isdigit() else value
        return new


def paginate(client: SyncClient, first: PageRequest, paginator: Paginator) -> Iterator[list[Any]]:
    """The items of each page in turn."""
    request: PageRequest | None = first
    for _ in range(MAX_PAGES):
        if request is None:
            return
        response = client.request(
            request.method, request.url, params=request.params or None, json=request.json
        )
        body = client.json_of(response)
        yield paginator.items(body)
        request = paginator.next_request(request, response, body)
    raise ApiError(f"{client.source}: more than {MAX_PAGES} pages from {first.url}; stopped")
