"""Unknown query parameters are refused: `?limt=5` is a mistake to report, not to ignore. So are
values Postgres cannot hold (NUL characters), in one place for every route's filters."""

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from memos_service.errors import ValidationFailed

_declared: dict[str, frozenset[str]] = {}  # by route.unique_id: routes are not hashable


def _query_parameters(dependant: Dependant) -> set[str]:
    names = {parameter.alias for parameter in dependant.query_params}
    for dependency in dependant.dependencies:
        names |= _query_parameters(dependency)
    return names


def _declared_query_parameters(route: APIRoute) -> frozenset[str]:
    if route.unique_id not in _declared:
        _declared[route.unique_id] = frozenset(_query_parameters(route.dependant))
    return _declared[route.unique_id]


async def reject_unknown_query_parameters(request: Request) -> None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    unknown = sorted(set(request.query_params) - _declared_query_parameters(route))
    if unknown:
        raise ValidationFailed(f"unknown query parameter(s): {', '.join(repr(name) for name in unknown)}")
    for name, value in request.query_params.multi_items():
        if "\x00" in value:
            raise ValidationFailed(f"query parameter {name!r} must not contain NUL characters")
