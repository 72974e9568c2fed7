"""The routing table: (method, path pattern) → handler, checked in order.

An `App` is any callable from `Request` to `Response`; a `Router` is the App built from a list of
`Route`s. Services (the Hub, GitHub, recorded fixtures) each contribute a list of routes, and
wrappers that inject faults or record traffic are Apps around an App, so adding one never means
editing a handler.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from tracker.replay.messages import Request, Response, json_response

App = Callable[[Request], Response]
#: A handler gets the request and the route's named groups, percent-decoded.
Handler = Callable[[Request, Mapping[str, str]], Response]


@dataclass(frozen=True)
class Route:
    """One entry of the table; `pattern` must match the whole raw path."""

    methods: frozenset[str]
    pattern: re.Pattern[str]
    handler: Handler

    def match(self, path: str) -> dict[str, str] | None:
        found = self.pattern.fullmatch(path)
        if found is None:
            return None
        return {k: unquote(v) for k, v in found.groupdict().items() if v is not None}


def route(methods: str, pattern: str, handler: Handler) -> Route:
    """`route("GET POST", r"/api/models/(?P<owner>[^/]+)", handler)`; GET also answers HEAD."""
    names = set(methods.split())
    if "GET" in names:
        names.add("HEAD")
    return Route(frozenset(names), re.compile(pattern), handler)


class Router:
    """Dispatches to the first route whose pattern and method match."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes = list(routes)

    def __call__(self, request: Request) -> Response:
        path_matched = False
        for entry in self.routes:
            groups = entry.match(request.path)
            if groups is None:
                continue
            if request.method in entry.methods:
                return entry.handler(request, groups)
            path_matched = True
        if path_matched:
            return json_response({"error": f"Method {request.method} not allowed"}, 405)
        return json_response({"error": f"No route for {request.path}"}, 404)
