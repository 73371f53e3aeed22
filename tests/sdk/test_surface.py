"""`MemOS` and `AsyncMemOS` offer the same methods: for each, the same parameters (names, kinds,
defaults, types) and the same result, awaited on the async client (a listing: a paginator)."""

import inspect

import pytest
from memos_sdk import APIResponse, AsyncMemOS, AsyncPage, AsyncPaginator, MemOS, SyncPage

RESOURCES = ["admin", "cubes", "memories", "jobs", "users", "activations", "adapters"]


def _methods(resource: object) -> dict[str, object]:
    return {name: getattr(resource, name) for name in dir(resource)
            if not name.startswith("_") and callable(getattr(resource, name))}


@pytest.fixture
def clients():
    return MemOS(api_key="memos_sk_test"), AsyncMemOS(api_key="memos_sk_test")


def test_both_clients_have_the_same_resources_and_methods(clients):
    sync, asynchronous = clients
    for name in RESOURCES:
        sync_methods, async_methods = _methods(getattr(sync, name)), _methods(getattr(asynchronous, name))
        assert sorted(sync_methods) == sorted(async_methods), name
        assert sync_methods, name


def _async_result(sync_result: object) -> object:
    """What the async twin of a method returning `sync_result` returns."""
    origin = getattr(sync_result, "__origin__", None)
    return AsyncPaginator[sync_result.__args__] if origin is SyncPage else sync_result


def test_each_method_has_the_same_parameters_and_result_on_both(clients):
    sync, asynchronous = clients
    compared = 0
    for name in RESOURCES:
        for method_name, sync_method in _methods(getattr(sync, name)).items():
            async_method = getattr(getattr(asynchronous, name), method_name)
            sync_signature, async_signature = inspect.signature(sync_method), inspect.signature(async_method)
            sync_parameters = [(p.name, p.kind, p.default, p.annotation) for p in sync_signature.parameters.values()]
            async_parameters = [(p.name, p.kind, p.default, p.annotation) for p in async_signature.parameters.values()]
            assert sync_parameters == async_parameters, f"{name}.{method_name}"
            assert all(annotation is not inspect.Parameter.empty for *_, annotation in sync_parameters)
            assert sync_parameters[-1][:2] == ("options", inspect.Parameter.VAR_KEYWORD), f"{name}.{method_name}"
            assert async_signature.return_annotation == _async_result(sync_signature.return_annotation)
            assert not inspect.iscoroutinefunction(sync_method)
            is_listing = getattr(sync_signature.return_annotation, "__origin__", None) is SyncPage
            assert inspect.iscoroutinefunction(async_method) is not is_listing, f"{name}.{method_name}"
            assert inspect.iscoroutinefunction(async_method.with_raw_response)
            raw_result = inspect.signature(sync_method.with_raw_response).return_annotation
            assert raw_result == APIResponse[sync_signature.return_annotation]
            compared += 1
    assert compared >= 40


def test_a_listing_is_a_page_on_one_client_and_a_paginator_on_the_other(clients):
    sync, asynchronous = clients
    assert inspect.signature(sync.memories.list).return_annotation.__origin__ is SyncPage
    assert inspect.signature(asynchronous.memories.list).return_annotation.__origin__ is AsyncPaginator
    assert inspect.signature(asynchronous.memories.list.with_raw_response).return_annotation.__origin__ is APIResponse
    assert AsyncPage.__name__ == "AsyncPage"
