"""Safe YAML reading with line numbers, size and depth limits; YAML writing."""

from __future__ import annotations

import re
from typing import Any

import yaml

from .checking import Msg
from .vocabulary import N_

MAX_BYTES = 1_000_000
MAX_DEPTH = 40


class YamlProblem(ValueError):
    """The text is not acceptable YAML; ``line`` is 1-based or None."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message  # a checking.Msg: the app shows it in the page's language
        self.line = line


class MarkedDict(dict):
    """A mapping that remembers its own line and the line of each key."""

    line: int | None = None
    key_lines: dict


class MarkedList(list):
    """A sequence that remembers its own line and the line of each item."""

    line: int | None = None
    item_lines: list


class _Loader(yaml.SafeLoader):
    """SafeLoader + marks; no anchors/aliases; YAML 1.2-style booleans (true/false only)."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise YamlProblem(
                Msg(N_("anchors and aliases (*name) are not supported")),
                event.start_mark.line + 1
            )
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise YamlProblem(Msg(N_("anchors (&name) are not supported")),
                              event.start_mark.line + 1)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise YamlProblem(Msg(N_("nesting too deep (limit %(n)d)"), n=MAX_DEPTH),
                              event.start_mark.line + 1)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        if not isinstance(node, yaml.MappingNode):
            return super().construct_mapping(node, deep=deep)
        self.flatten_mapping(node)
        out = MarkedDict()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise YamlProblem(
                    Msg(N_("mapping keys must be text, got %(key)r"), key=key),
                    key_node.start_mark.line + 1
                )
            if key in out:
                raise YamlProblem(Msg(N_("duplicate key %(key)r"), key=key),
                                  key_node.start_mark.line + 1)
            out[key] = self.construct_object(value_node, deep=True)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out

    def construct_sequence(self, node, deep=False):
        out = MarkedList(self.construct_object(child, deep=True) for child in node.value)
        out.line = node.start_mark.line + 1
        out.item_lines = [child.start_mark.line + 1 for child in node.value]
        return out


def _mapping(loader, node):
    return loader.construct_mapping(node, deep=True)


def _sequence(loader, node):
    return loader.construct_sequence(node, deep=True)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)

# Drop YAML 1.1's yes/no/on/off booleans: `code: no` must stay the text 'no'.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_yaml(text: str | bytes) -> Any:
    """Parse YAML text safely; raise :class:`YamlProblem` with a line on any problem."""
    size = len(text.encode("utf-8")) if isinstance(text, str) else len(text)
    if size > MAX_BYTES:
        raise YamlProblem(Msg(N_("file too large (%(size)d bytes, limit %(limit)d)"),
                              size=size, limit=MAX_BYTES))
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise YamlProblem(Msg(N_("not UTF-8 text: %(problem)s"), problem=exc)) from None
    try:
        # _Loader subclasses yaml.SafeLoader: no arbitrary objects are constructed.
        return yaml.load(text, Loader=_Loader)  # noqa: S506  # nosec B506
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise YamlProblem(Msg(N_("invalid YAML: %(problem)s"),
                              problem=exc.problem or exc.context), line) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(Msg(N_("invalid YAML: %(problem)s"), problem=exc)) from None
    except RecursionError:
        raise YamlProblem("nesting too deep") from None


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data) -> bool:  # our loader rejects anchors, so never write them
        return True


def _str_repr(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_repr)
_Dumper.add_representer(MarkedDict, yaml.representer.SafeRepresenter.represent_dict)
_Dumper.add_representer(MarkedList, yaml.representer.SafeRepresenter.represent_list)


def dump_yaml(d: Any) -> str:
    """YAML text of a questionnaire dict; Chinese stays readable (allow_unicode)."""
    return yaml.dump(d, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
