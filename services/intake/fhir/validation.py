"""Is this FHIR? The JSON of a request checked against the R4 resource models, every failure named.

The models are `fhir.resources`' R4B ones (the package ships no plain R4; for the financial
resources R4B and R4 are the same, docs/fhir-mapping.md). Pydantic validation alone stops
short of the whole list: the models check required primitives (`Claim.status`,
`Claim.insurance.sequence`), choices (`diagnosis[x]`) and coded values only once every
other field is valid, one at a time, and an unknown `resourceType` inside `contained` is a
`KeyError`. So a walk over the JSON beside the model classes finds those first, for the
whole resource, and the model's own errors are added to it: the sender gets every failing
path in one answer.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ValidationError

from services.intake.fhir.outcome import FhirProblem, Issue, fhirpath

MAX_ISSUES = 200
"""Issues reported for one request: enough for any real mistake, bounded for a hostile one."""


def parse_json(body: bytes) -> Any:
    """The request body as JSON, numbers as Decimal (never float); 400 when it is not JSON."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FhirProblem(
            400, [Issue("structure", f"the body is not UTF-8 (byte {exc.start})")]
        ) from None
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise FhirProblem(
            400,
            [
                Issue(
                    "structure",
                    f"the body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                )
            ],
        ) from None
    except ValueError as exc:
        raise FhirProblem(400, [Issue("structure", str(exc))]) from None
    except RecursionError:
        raise FhirProblem(400, [Issue("structure", "the JSON is nested too deeply")]) from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"the body is not FHIR JSON: {name} is not a JSON number")


@lru_cache(maxsize=512)
def model_class(resource_type: str) -> type[BaseModel] | None:
    """The R4B model of a resource or element type, None when there is none of that name."""
    from fhir.resources.R4B import get_fhir_model_class

    if not resource_type.isidentifier():
        return None
    try:
        found: type[BaseModel] = get_fhir_model_class(resource_type)
    except (ValueError, KeyError, AttributeError, ImportError):
        return None
    return found


def validate_resource(data: Any, root: str, *, expected: Sequence[str]) -> list[Issue]:
    """Every structural problem of `data` as a FHIR resource of one of the `expected` types.

    `root` starts each FHIRPath (the resource type, or `Bundle.entry[0].resource`...).
    """
    if not isinstance(data, dict):
        return [Issue("structure", "a FHIR resource is a JSON object", root)]
    resource_type = data.get("resourceType")
    if resource_type not in expected:
        wanted = " or ".join(expected)
        return [Issue("structure", f"resourceType must be {wanted}", f"{root}.resourceType")]
    cls = model_class(resource_type)
    assert cls is not None, resource_type
    issues: list[Issue] = []
    unknown: list[tuple[str | int, ...]] = []
    _walk(cls, data, root, (), issues, unknown)
    try:
        # The models raise KeyError on a resource type they do not know: those are named
        # already, and a stand-in lets the models judge everything else.
        cls.model_validate(_with_stand_ins(data, unknown) if unknown else data)
    except ValidationError as exc:
        issues += [_issue_of(error, root) for error in exc.errors(include_input=False)]
    except (KeyError, TypeError, ValueError, AttributeError):
        if not issues:
            issues.append(Issue("structure", "the resource does not have the FHIR shape", root))
    return _unique(issues)[:MAX_ISSUES]


_STAND_IN = {"resourceType": "Basic", "code": {"text": "stand-in"}}


def _with_stand_ins(data: dict[str, Any], locs: list[tuple[str | int, ...]]) -> dict[str, Any]:
    copy: dict[str, Any] = copy_json(data)
    for loc in locs:
        parent: Any = copy
        for part in loc[:-1]:
            parent = parent[part]
        parent[loc[-1]] = dict(_STAND_IN)
    return copy


def copy_json(value: Any) -> Any:
    """A deep copy of parsed JSON (dicts, lists and scalars only)."""
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) for v in value]
    return value


def _issue_of(error: Any, root: str) -> Issue:
    loc = [p for p in error.get("loc", ()) if isinstance(p, int) or _is_name(p)]
    kind = str(error.get("type", ""))
    if kind == "missing" or kind.endswith(".missing"):
        return Issue("required", "is required", fhirpath(root, loc))
    if kind == "extra_forbidden":
        return Issue("structure", "is not an element of this resource", fhirpath(root, loc))
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    return Issue("value", message or "is not valid", fhirpath(root, loc))


def _is_name(part: object) -> bool:
    return isinstance(part, str) and part.replace("_", "a").isalnum()


def _unique(issues: list[Issue]) -> list[Issue]:
    seen: set[tuple[str | None, str]] = set()
    out = []
    for issue in issues:
        key = (issue.expression, issue.code)
        if key not in seen:
            seen.add(key)
            out.append(issue)
    return out


def _element_type(annotation: Any) -> str | None:
    """`ClaimInsurance` for `Optional[List[abc.ClaimInsuranceType]]`; None for primitives."""
    name = getattr(annotation, "__name__", "")
    if isinstance(annotation, type) and name.endswith("Type") and hasattr(annotation, "_prefix"):
        return name.removesuffix("Type")
    for arg in typing.get_args(annotation):
        found = _element_type(arg)
        if found is not None:
            return found
    return None


def _walk(
    cls: type[BaseModel],
    data: dict[str, Any],
    root: str,
    loc: tuple[str | int, ...],
    issues: list[Issue],
    unknown: list[tuple[str | int, ...]],
) -> None:
    if len(issues) >= MAX_ISSUES or len(loc) > 64:
        return
    choices: dict[str, list[str]] = {}
    required_choices: set[str] = set()
    for name, field in cls.model_fields.items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        if not extra.get("element_property") or name.endswith("__ext"):
            continue
        alias = field.alias or name
        value = data.get(alias)
        present = value is not None or data.get("_" + alias) is not None
        here = (*loc, alias)
        if extra.get("element_required") and not present:
            issues.append(Issue("required", "is required", fhirpath(root, here)))
        enum = extra.get("enum_values")
        if isinstance(enum, list) and isinstance(value, str) and value not in enum:
            issues.append(
                Issue(
                    "code-invalid",
                    f"must be one of: {', '.join(map(str, enum))}",
                    fhirpath(root, here),
                )
            )
        group = extra.get("one_of_many")
        if isinstance(group, str):
            choices.setdefault(group, [])
            if present:
                choices[group].append(alias)
            if extra.get("one_of_many_required"):
                required_choices.add(group)
        if value is None:
            continue
        child = _element_type(field.annotation)
        if child is None:
            continue
        items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        for index, item in items:
            at = here if index is None else (*here, index)
            if child == "Resource":
                _walk_resource(item, root, at, issues, unknown)
            elif isinstance(item, dict):
                child_cls = model_class(child)
                if child_cls is not None:
                    _walk(child_cls, item, root, at, issues, unknown)
    for group, given in choices.items():
        if len(given) > 1:
            issues.append(
                Issue(
                    "structure",
                    f"only one of {', '.join(given)} may be given",
                    fhirpath(root, (*loc, given[1])),
                )
            )
        elif not given and group in required_choices:
            issues.append(
                Issue(
                    "required",
                    f"{group}[x] is required (e.g. {group}CodeableConcept)",
                    fhirpath(root, (*loc, group)),
                )
            )


def _walk_resource(
    item: Any,
    root: str,
    loc: tuple[str | int, ...],
    issues: list[Issue],
    unknown: list[tuple[str | int, ...]],
) -> None:
    if not isinstance(item, dict):
        return  # the model names a non-object
    resource_type = item.get("resourceType")
    cls = model_class(resource_type) if isinstance(resource_type, str) else None
    if cls is None or not _is_resource(cls):
        issues.append(
            Issue(
                "structure",
                "resourceType must name an R4 resource type",
                fhirpath(root, (*loc, "resourceType")),
            )
        )
        unknown.append(loc)
        return
    _walk(cls, item, root, loc, issues, unknown)


def _is_resource(cls: type[BaseModel]) -> bool:
    from fhir.resources.R4B.resource import Resource

    return issubclass(cls, Resource)
