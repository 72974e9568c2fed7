"""PyYAML's safe loader (libyaml's when installed), building plain documents with fewer calls.

A card's front matter is some hundred nodes of strings, numbers, lists and mappings. PyYAML
builds each through several Python calls (and resolves every scalar's tag through a list of
patterns); that was most of the cost of parsing a card. `PlainSafeLoader` builds such a document
directly, with the same constructors for the same tags, so the data is the same. Anything else
(aliases, merge keys, timestamps and other tags) or anything that fails goes the standard way,
which then builds it, or raises the standard error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

if TYPE_CHECKING:
    _SafeLoader = yaml.SafeLoader
else:
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
#: Scalars built by their standard constructor; `_STR` is the scalar's own value.
_SCALARS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("int", "float", "bool", "null"))


class _NotPlain(Exception):
    """Something `_plain` leaves to the standard construction."""


class PlainSafeLoader(_SafeLoader):
    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> Any:
        # Most scalars begin with a character no implicit tag's pattern can: they are strings.
        resolvers = self.yaml_implicit_resolvers
        if (
            kind is ScalarNode
            and implicit[0]
            and value[:1] not in resolvers
            and None not in resolvers
            and not self.yaml_path_resolvers
        ):
            return self.DEFAULT_SCALAR_TAG
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]

    def construct_document(self, node: Node) -> Any:
        try:
            return self._plain(node, set())
        except (_NotPlain, yaml.YAMLError, ValueError, TypeError, RecursionError):
            return super().construct_document(node)

    def _plain(self, node: Node, seen: set[int]) -> Any:
        """What the standard construction makes of `node`, if it is a plain tree."""
        kind, tag = type(node), node.tag
        if kind is ScalarNode:
            if tag == _STR:
                return node.value
            if tag in _SCALARS:
                return self.yaml_constructors[tag](self, node)
            raise _NotPlain
        if id(node) in seen:
            raise _NotPlain  # an alias: the standard construction shares the object
        seen.add(id(node))
        if kind is SequenceNode and tag == _SEQ:
            return [self._plain(child, seen) for child in node.value]
        if kind is MappingNode and tag == _MAP:
            out = {}
            for key, value in node.value:
                if type(key) is not ScalarNode or key.tag not in _PLAIN_KEYS:
                    raise _NotPlain  # merge ("<<") and value ("=") keys, unhashable keys
                built = self._plain(key, seen)
                out[built] = self._plain(value, seen)
            return out
        raise _NotPlain


_PLAIN_KEYS = _SCALARS | {_STR}
