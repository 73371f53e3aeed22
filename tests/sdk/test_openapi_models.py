"""The SDK's response models against the server's OpenAPI schema: for every method of the client, the
route it calls answers with the schema its result type reads, field by field (name, type, required)."""

import datetime
import inspect
import re
import types
import typing
import uuid
from collections.abc import Mapping, Sequence

import pytest
from memos_sdk import MemOS, SyncPage
from memos_sdk._types import Page
from pydantic import BaseModel

from memos_service.api.app import create_app
from memos_service.config import Settings

SCALARS: dict[object, dict[str, str]] = {
    str: {"type": "string"}, int: {"type": "integer"}, float: {"type": "number"}, bool: {"type": "boolean"},
    uuid.UUID: {"type": "string", "format": "uuid"}, datetime.datetime: {"type": "string", "format": "date-time"},
}


@pytest.fixture(scope="module")
def openapi() -> dict:
    return create_app(Settings()).openapi()


def _argument(annotation: object) -> object:
    """A value of the type a required parameter takes (what it is does not matter: the request is only built)."""
    if annotation is bytes:
        return b""
    if typing.get_origin(annotation) in (Sequence, list):
        return [{"role": "user", "content": "x"}]
    return uuid.uuid4() if uuid.UUID in typing.get_args(annotation) else "x"


def _calls(client: MemOS):
    """(name, request, result type) for every method of the client."""
    for resource_name in ("admin", "cubes", "memories", "jobs", "users", "activations", "adapters"):
        resource = getattr(client, resource_name)
        for name in dir(resource):
            method = getattr(resource, name)
            if name.startswith("_") or not callable(method):
                continue
            signature = inspect.signature(method)
            arguments = [_argument(parameter.annotation) for parameter in signature.parameters.values()
                         if parameter.default is inspect.Parameter.empty and parameter.kind is not parameter.VAR_KEYWORD]
            endpoint = next(klass.__dict__[name] for klass in type(resource).__mro__ if name in klass.__dict__)
            yield f"{resource_name}.{name}", endpoint._build(resource, *arguments), signature.return_annotation


def _route(openapi: dict, method: str, path: str) -> dict:
    matches = [template for template in openapi["paths"]
               if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path) and method.lower() in openapi["paths"][template]]
    assert matches, f"no route for {method} {path}"
    template = min(matches, key=lambda template: template.count("{"))  # /cubes/import before /cubes/{cube_id}
    return openapi["paths"][template][method.lower()]


def _resolve(openapi: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _compare(openapi: dict, annotation: object, schema: dict, where: str) -> None:
    schema = _resolve(openapi, schema)
    origin, arguments = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [option for option in schema.get("anyOf", [schema]) if option != {"type": "null"}]
        assert ({"type": "null"} in schema.get("anyOf", [])) == (type(None) in arguments), f"{where}: nullable"
        kept = [argument for argument in arguments if argument is not type(None)]
        assert len(options) == len(kept), f"{where}: {schema} against {annotation}"
        for argument, option in zip(kept, options, strict=True):
            _compare(openapi, argument, option, where)
    elif annotation is typing.Any:
        return
    elif origin is typing.Literal:
        assert set(schema.get("enum", [])) == set(arguments), f"{where}: {schema} against {annotation}"
    elif annotation in SCALARS:
        assert {key: schema.get(key) for key in SCALARS[annotation]} == SCALARS[annotation], f"{where}: {schema}"
        assert "enum" not in schema, f"{where}: the server names its values, the SDK takes any str"
    elif origin is list:
        assert schema.get("type") == "array", f"{where}: {schema}"
        _compare(openapi, arguments[0], schema["items"], f"{where}[]")
    elif origin in (dict, Mapping):
        assert schema.get("type") == "object" and "properties" not in schema, f"{where}: {schema}"
        _compare(openapi, arguments[1], schema.get("additionalProperties", {}), f"{where}{{}}") \
            if schema.get("additionalProperties") not in (None, True) else None
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        properties, required = schema.get("properties", {}), set(schema.get("required", []))
        fields = annotation.model_fields
        assert set(fields) == set(properties), f"{where} ({annotation.__name__}): fields {sorted(fields)} != {sorted(properties)}"
        for name, field in fields.items():
            assert field.is_required() == (name in required), f"{where}.{name}: required"
            _compare(openapi, field.annotation, properties[name], f"{where}.{name}")
    else:
        raise AssertionError(f"{where}: the test cannot read {annotation}")


def test_every_result_the_sdk_reads_is_what_its_route_answers(openapi):
    client = MemOS(api_key="memos_sk_test")
    compared, problems = set(), []
    for name, request, result in _calls(client):
        route = _route(openapi, request.method, request.path)
        answer = next(response for status, response in route["responses"].items() if status.startswith("2"))
        if result is bytes:  # a download: documented as such, whatever FastAPI adds by default
            assert set(answer.get("content", {})) - {"application/json"}, f"{name}: {answer}"
            continue
        if result in (None, type(None)):
            assert not answer.get("content"), f"{name}: {answer}"
            continue
        schema = _resolve(openapi, answer["content"]["application/json"]["schema"])
        if typing.get_origin(result) is SyncPage:
            result = Page[typing.get_args(result)[0]]
        elif typing.get_origin(result) is list:  # a list answer is the `data` of an object
            schema = schema["properties"]["data"]
        try:
            _compare(openapi, result, schema, name)
        except AssertionError as problem:
            problems.append(str(problem).splitlines()[0])
        compared.add(getattr(result, "__name__", str(result)))
    assert problems == [], "\n".join(problems)
    assert len(compared) >= 14, compared
