"""Table-driven loop builder: turns a transaction set's segments into a tree of typed loops.

Each transaction package declares its loops as `Loop` subclasses:

- `LOOP_ID` names the loop as the guide does ("2100", "2000A");
- `FIELDS` maps a segment id to (attribute, repeats, converter) so typed segments land on
  named attributes while the raw segment is kept in `segments` (positions, round trip);
- `CHILDREN` maps a trigger segment id to [(element index, accepted codes, child class,
  attribute)]: a segment opens that child loop when its element matches.

The builder walks the segments once with a stack of open loops. A segment opens a child of
the innermost loop that has a matching trigger, or is added to the innermost loop that
lists it in FIELDS; a repeated trigger closes its loop and opens a sibling. A segment no
open loop knows stays in the innermost loop and is reported (unexpected segment), so
reading never stops on structure: validation decides.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import fields, is_dataclass
from datetime import date, time
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, ClassVar, TypeVar

from shared.x12.errors import Issue
from shared.x12.segments import Segment

__all__ = [
    "Loop",
    "LoopContext",
    "build_loops",
    "component",
    "components",
    "to_date",
    "to_decimal",
    "to_plain",
    "code",
]

Converter = Callable[[Segment, "LoopContext"], Any]
E = TypeVar("E", bound=Enum)


class LoopContext:
    """What converters need besides the segment: separators, and a place for issues.

    `typed=False` files raw segments under the typed attributes (validation reads the
    elements itself and has no use for Decimals and dates it would throw away).
    """

    __slots__ = ("component", "repetition", "issues", "typed")

    def __init__(
        self,
        component: str,
        repetition: str,
        issues: list[Issue] | None = None,
        *,
        typed: bool = True,
    ) -> None:
        self.component = component
        self.repetition = repetition
        self.issues: list[Issue] = [] if issues is None else issues
        self.typed = typed


class Loop:
    """A loop: its raw segments in order, typed attributes, and child loops in order."""

    LOOP_ID: ClassVar[str] = ""
    NAME: ClassVar[str] = ""
    FIELDS: ClassVar[dict[str, tuple[str, bool, Converter | None]]] = {}
    CHILDREN: ClassVar[dict[str, list[tuple[int, frozenset[str] | None, type[Loop], str]]]] = {}
    TRIGGER: ClassVar[str] = ""
    # True when FIELDS lists the loop's own segments in the guide's order: validation then
    # reports a segment that comes back after a later one (IK304 code 7 territory).
    ORDERED: ClassVar[bool] = False
    # Built once per class in __init_subclass__: the initial value of every typed attribute
    # (None for single segments, a fresh list for repeating segments and child loops).
    # No __slots__: typed attributes live in __dict__, set directly by the builder.
    _LIST_ATTRS: ClassVar[tuple[str, ...]] = ()
    _SINGLE_ATTRS: ClassVar[tuple[str, ...]] = ()
    _ROUTES: ClassVar[dict[str, tuple[Any, Any, bool]]] = {}
    _OWN: ClassVar[dict[str, tuple[str, bool, Any]]] = {}
    _NONE_TEMPLATE: ClassVar[dict[str, None]] = {}

    def __init__(self) -> None:
        # Replaced per subclass by `_fill` (see __init_subclass__); this is what it does.
        d = self.__dict__
        d.update(self._NONE_TEMPLATE)
        self.segments: list[Segment] = []
        self.children: list[Loop] = []
        for attr in self._LIST_ATTRS:
            d[attr] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        lists = [a for a, many, _ in cls.FIELDS.values() if many]
        for triggers in cls.CHILDREN.values():
            for _, _, _, attr in triggers:
                lists.append(attr)
        cls._LIST_ATTRS = tuple(dict.fromkeys(lists))
        cls._SINGLE_ATTRS = tuple(
            dict.fromkeys(a for a, many, _ in cls.FIELDS.values() if not many)
        )
        # One lookup per segment id in the builder's hot loop: (child triggers, own field).
        cls._NONE_TEMPLATE = dict.fromkeys(cls._SINGLE_ATTRS)
        if "__init__" not in cls.__dict__:
            cls.__init__ = _fill(cls)  # type: ignore[method-assign,assignment]
        cls._ROUTES = {
            sid: (cls.CHILDREN.get(sid), cls.FIELDS.get(sid), sid == cls.TRIGGER)
            for sid in set(cls.CHILDREN) | set(cls.FIELDS)
        }
        # The builder's fast path: segments that are only ever one of this loop's own
        # fields here (no child loop starts with them, not the loop's trigger).
        cls._OWN = {
            sid: spec
            for sid, spec in cls.FIELDS.items()
            if sid not in cls.CHILDREN and sid != cls.TRIGGER
        }

    def walk(self) -> Iterator[Loop]:
        """This loop and every loop below it, depth first in file order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def all_segments(self) -> list[Segment]:
        """Every segment of this loop and its children, in file order."""
        out = [s for loop in self.walk() for s in loop.segments]
        out.sort(key=lambda s: s.position)
        return out

    def find(self, loop_id: str) -> list[Loop]:
        return [loop for loop in self.walk() if loop.LOOP_ID == loop_id]

    def __repr__(self) -> str:
        first = self.segments[0] if self.segments else None
        return (
            f"<{type(self).__name__} {self.LOOP_ID} at segment {first.position if first else '?'}>"
        )


def _fill(cls: type[Loop]) -> Callable[[Loop], None]:
    """`Loop.__init__` for one subclass, unrolled: one dict display of its attributes'
    initial values (a loop is made per claim and per line: a fifth of a loop's cost)."""
    items = ["'segments': []", "'children': []"]
    items += [f"{a!r}: None" for a in cls._SINGLE_ATTRS]
    items += [f"{a!r}: []" for a in cls._LIST_ATTRS if a not in ("segments", "children")]
    source = "def __init__(self):\n    self.__dict__.update({" + ", ".join(items) + "})\n"
    names: dict[str, Any] = {}
    exec(source, names)  # generated from the class's own attribute names only
    init: Callable[[Loop], None] = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


L = TypeVar("L", bound=Loop)


OnClose = Callable[[Loop, list[Loop], str], bool]
"""Called as a loop closes with its open ancestors (outermost first) and the attribute it
hangs on in its parent; returning True detaches it from the parent (streaming readers
drop a claim once it is checked or written, so memory stays flat)."""


def build_loops(
    root: L, segments: Iterable[Segment], ctx: LoopContext, on_close: OnClose | None = None
) -> L:
    """Fill `root` (the transaction's header loop) from `segments` (ST..SE inclusive).

    With `on_close`, every loop is reported as it closes (children before parents, the
    root last), which lets a caller check or write each claim while the file is read.
    """
    stack: list[Loop] = [root]
    # routes[i] is type(stack[i])._ROUTES, kept in step with the stack (hot loop);
    # attrs[i] the attribute stack[i] hangs on in its parent (for on_close).
    routes: list[dict[str, tuple[Any, Any, bool]]] = [type(root)._ROUTES]
    attrs: list[str] = [""]
    typed = ctx.typed
    inner: Loop = root  # stack[-1], and below its _OWN, kept in step with the stack
    own = type(root)._OWN
    for seg in segments:
        sid = seg.id
        # Fast path (most segments): one of the innermost loop's own fields, which the
        # search below would find first and take the same way.
        field = own.get(sid)
        if field is not None:
            attr, many, conv = field
            d = inner.__dict__
            if many:
                inner.segments.append(seg)
                d[attr].append(conv(seg, ctx) if conv is not None and typed else seg)
                continue
            if d[attr] is None:
                inner.segments.append(seg)
                d[attr] = conv(seg, ctx) if conv is not None and typed else seg
                continue
        top = len(stack) - 1
        # Search the open loops innermost first: child trigger, else own segment.
        for depth in range(top, -1, -1):
            route = routes[depth].get(sid)
            if route is None:
                continue
            loop = stack[depth]
            triggers, spec, is_trigger = route
            if triggers is not None:
                elements = seg.elements
                for index, codes, child_cls, child_attr in triggers:
                    if codes is None or (index <= len(elements) and elements[index - 1] in codes):
                        if depth != top:
                            if on_close is not None:
                                _close(stack, attrs, depth + 1, on_close)
                            del stack[depth + 1 :]
                            del routes[depth + 1 :]
                            del attrs[depth + 1 :]
                        child = child_cls()
                        loop.children.append(child)
                        loop.__dict__[child_attr].append(child)
                        stack.append(child)
                        routes.append(child_cls._ROUTES)
                        attrs.append(child_attr)
                        _add(child, seg, ctx)
                        break
                else:
                    child = None
                if child is not None:
                    break
            if spec is not None and not (is_trigger and loop.segments):
                # A segment the loop holds once (not a list) and already has belongs
                # further out (e.g. a second DTM*050 closes the claim's dates).
                attr, many, conv = spec
                d = loop.__dict__
                if many or d[attr] is None:
                    if depth != top:
                        if on_close is not None:
                            _close(stack, attrs, depth + 1, on_close)
                        del stack[depth + 1 :]
                        del routes[depth + 1 :]
                        del attrs[depth + 1 :]
                    loop.segments.append(seg)
                    value = conv(seg, ctx) if conv is not None and typed else seg
                    if many:
                        d[attr].append(value)
                    else:
                        d[attr] = value
                    break
        else:
            inner = stack[-1]
            inner.segments.append(seg)
            ctx.issues.append(
                Issue(
                    "unexpected_segment",
                    f"segment {sid} is not expected in loop {inner.LOOP_ID or 'header'}",
                    seg.position,
                    sid,
                    loop=inner.LOOP_ID or None,
                )
            )
        inner = stack[-1]
        own = inner._OWN
    if on_close is not None:
        _close(stack, attrs, 0, on_close)
    return root


def _close(stack: list[Loop], attrs: list[str], start: int, on_close: OnClose) -> None:
    """Report stack[start:] closed, innermost first; detach those the callback asks to."""
    for depth in range(len(stack) - 1, start - 1, -1):
        loop = stack[depth]
        ancestors = stack[:depth]
        if on_close(loop, ancestors, attrs[depth]) and depth > 0:
            parent = stack[depth - 1]
            parent.children.pop()  # a closing loop is always its parent's newest child
            parent.__dict__[attrs[depth]].pop()


def _add(loop: Loop, seg: Segment, ctx: LoopContext) -> None:
    loop.segments.append(seg)
    spec = type(loop).FIELDS.get(seg.id)
    if spec is None:
        return
    attr, many, conv = spec
    value = conv(seg, ctx) if conv is not None and ctx.typed else seg
    if many:
        loop.__dict__[attr].append(value)
    else:
        loop.__dict__[attr] = value


_MISSING = object()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while reading a document.

    Reading allocates millions of small objects and creates no reference cycles (loops do
    not point back at their parents), so the cyclic GC only burns time rescanning the
    growing heap: up to 60% of parse time on a 50,000-claim file. Restored afterwards
    (left off if a caller had already turned it off).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# -- element helpers (never raise: bad values become None and validation reports them) ----


def is_digits(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts '³' or '①', which int() then refuses."""
    return text.isascii() and text.isdigit()


def to_decimal(text: str) -> Decimal | None:
    """Money/quantity element as Decimal; None when empty or not a number."""
    if not text:
        return None
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


_DATES: dict[str, date | None] = {}


def to_date(text: str) -> date | None:
    """CCYYMMDD element as a date; None when empty or not a valid date."""
    # Files repeat a handful of dates thousands of times: remember each conversion.
    cached = _DATES.get(text, _MISSING)
    if cached is not _MISSING:
        return cached  # type: ignore[return-value]
    value: date | None = None
    if len(text) == 8 and is_digits(text):
        try:
            value = date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            value = None
    if len(_DATES) < 100_000:
        _DATES[text] = value
    return value


def to_date6(text: str) -> date | None:
    """YYMMDD (ISA09, TA103) as a date in 20YY."""
    if len(text) != 6 or not is_digits(text):
        return None
    try:
        return date(2000 + int(text[:2]), int(text[2:4]), int(text[4:]))
    except ValueError:
        return None


def to_time(text: str) -> time | None:
    """HHMM[SS[d..]] as a time; None when invalid."""
    if len(text) < 4 or not is_digits(text[:4]):
        return None
    try:
        seconds = int(text[4:6]) if len(text) >= 6 and is_digits(text[4:6]) else 0
        return time(int(text[:2]), int(text[2:4]), seconds)
    except ValueError:
        return None


def code(enum: type[E], text: str) -> E | str:
    """The enum member for a code, or the raw text when the code is not in the list."""
    # The value map lookup is what Enum(value) does first, without the exception path.
    return enum._value2member_map_.get(text, text)  # type: ignore[return-value]


def components(value: str, ctx: LoopContext) -> list[str]:
    """Split a composite element on the component separator."""
    return value.split(ctx.component) if value else []


def component(parts: list[str], index: int) -> str:
    """Component `index` (1-based) or ''."""
    return parts[index - 1] if 0 < index <= len(parts) else ""


def to_plain(obj: Any) -> Any:
    """JSON-ready view of a typed model: Decimals as strings, dates ISO, enums as codes."""
    # One dict probe by exact type: the JSON writers call this for every value of a file.
    kind = _KINDS.get(type(obj))
    if kind is None:
        kind = _kind_of(obj)
    if kind == _SCALAR:
        return obj
    if kind == _LOOP:
        return _loop_plain(obj)
    if kind == _RECORD:
        return _record_plain(obj)
    if kind == _LIST:
        return [to_plain(v) for v in obj]
    if kind == _TEXT:
        return str(obj)
    if kind == _ISO:
        return obj.isoformat()
    if kind == _CODE:
        return obj.value
    if kind == _DICT:
        return {k: to_plain(v) for k, v in obj.items()}
    if kind == _SEGMENT:
        return {
            "id": obj.id,
            "position": obj.position,
            "elements": [to_plain(e) for e in obj.elements],
        }
    return str(obj)


def _loop_plain(obj: Loop) -> dict[str, Any]:
    cls = type(obj)
    compiled = _LOOP_PLAIN.get(cls)
    if compiled is None:
        compiled = _LOOP_PLAIN[cls] = _compile_loop(cls, obj)
    if compiled[0] == len(obj.__dict__):
        return compiled[1](obj)
    return _loop_plain_any(obj)  # an attribute set outside the class's layout


def _loop_plain_any(obj: Loop) -> dict[str, Any]:
    out: dict[str, Any] = {"loop": obj.LOOP_ID}
    if obj.NAME:
        out["name"] = obj.NAME
    if obj.segments:
        out["position"] = obj.segments[0].position
    for attr, value in obj.__dict__.items():
        # Raw segments and the untyped child list duplicate the typed attributes.
        if attr in ("segments", "children") or attr.startswith("_") or value is None or value == []:
            continue
        out[attr] = to_plain(value)
    return out


def _record_plain(obj: Any) -> dict[str, Any]:
    """A typed segment's fields, without the empty ones (one compiled function per class)."""
    plain = _RECORD_PLAIN.get(type(obj))
    if plain is None:
        plain = _RECORD_PLAIN[type(obj)] = _compile_record(type(obj))
    return plain(obj)


# `to_plain` of the loops and typed segments, generated once per class: each attribute is
# read directly and rendered by its value's exact type. The JSON writers call these for
# every value of a file; a generic loop with emptiness tests costs a third more (comparing
# a Decimal with "" or [] alone costs three abstract-class checks per value).
def _render(value: str, key: str, *, record: bool) -> list[str]:
    """Lines that add `value` (a variable name) under `key` to `out`, as to_plain would."""
    return [
        f"    if {value} is not None:",
        f"        k = K({value}.__class__)",
        f"        if k is None: k = kind_of({value})",
        "        if k == SCALAR:",
        # A typed segment leaves out empty text; a loop keeps it (as to_plain does).
        f"            if {value} != '': out[{key}] = {value}"
        if record
        else f"            out[{key}] = {value}",
        f"        elif k == TEXT: out[{key}] = str({value})",
        f"        elif k == CODE: out[{key}] = {value}.value",
        f"        elif k == ISO: out[{key}] = {value}.isoformat()",
        "        elif k == LIST:",
        f"            if {value}: out[{key}] = ["
        f"RECORDS[x.__class__](x) if x.__class__ in RECORDS else to_plain(x) for x in {value}]",
        f"        elif k == RECORD: out[{key}] = record_plain({value})",
        f"        else: out[{key}] = to_plain({value})",
    ]


def _names() -> dict[str, Any]:
    return {
        "K": _KINDS.get,
        "kind_of": _kind_of,
        "to_plain": to_plain,
        "record_plain": _record_plain,
        "SCALAR": _SCALAR,
        "TEXT": _TEXT,
        "CODE": _CODE,
        "ISO": _ISO,
        "LIST": _LIST,
        "RECORD": _RECORD,
        "RECORDS": _RECORD_PLAIN,
    }


def _compile_record(cls: type) -> Callable[[Any], dict[str, Any]]:
    lines = ["def plain(obj):", "    out = {}"]
    for name in _FIELD_NAMES[cls]:
        lines.append(f"    v = obj.{name}")
        lines += _render("v", repr(name), record=True)
    lines.append("    return out")
    names = _names()
    exec("\n".join(lines), names)  # generated from the dataclass's field names only
    plain: Callable[[Any], dict[str, Any]] = names["plain"]
    return plain


def _compile_loop(cls: type[Loop], sample: Loop) -> tuple[int, Callable[[Any], dict[str, Any]]]:
    """(attribute count, plain) for a loop class, from the layout its __init__ gives every
    instance (`sample`'s __dict__, in order)."""
    attrs = list(sample.__dict__)
    lines = ["def plain(obj):", "    d = obj.__dict__", f"    out = {{'loop': {cls.LOOP_ID!r}}}"]
    if cls.NAME:
        lines.append(f"    out['name'] = {cls.NAME!r}")
    lines += ["    s = d['segments']", "    if s: out['position'] = s[0].position"]
    for attr in attrs:
        if attr in ("segments", "children") or attr.startswith("_"):
            continue
        lines.append(f"    v = d[{attr!r}]")
        lines += _render("v", repr(attr), record=False)
    lines.append("    return out")
    names = _names()
    exec("\n".join(lines), names)  # generated from the loop class's attribute names only
    plain: Callable[[Any], dict[str, Any]] = names["plain"]
    return len(attrs), plain


_RECORD_PLAIN: dict[type, Callable[[Any], dict[str, Any]]] = {}
_LOOP_PLAIN: dict[type, tuple[int, Callable[[Any], dict[str, Any]]]] = {}


_SCALAR, _CODE, _TEXT, _ISO, _LIST, _DICT, _SEGMENT, _LOOP, _RECORD, _OTHER = range(10)
_KINDS: dict[type, int] = {type(None): _SCALAR, bool: _SCALAR, int: _SCALAR, str: _SCALAR}
# Field names per typed segment class (dataclasses.fields() is slow in the JSON hot path).
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _kind_of(obj: Any) -> int:
    """How `to_plain` renders values of this exact type (decided once per type)."""
    cls = type(obj)
    if isinstance(obj, Enum):
        kind = _CODE
    elif isinstance(obj, (bool, int, str)):
        kind = _SCALAR
    elif isinstance(obj, Decimal):
        kind = _TEXT
    elif isinstance(obj, (date, time)):
        kind = _ISO
    elif isinstance(obj, (list, tuple)):
        kind = _LIST
    elif isinstance(obj, dict):
        kind = _DICT
    elif isinstance(obj, Segment):
        kind = _SEGMENT
    elif isinstance(obj, Loop):
        kind = _LOOP
    elif is_dataclass(obj):
        _FIELD_NAMES[cls] = tuple(f.name for f in fields(obj))
        kind = _RECORD
    else:
        kind = _OTHER
    _KINDS[cls] = kind
    return kind
