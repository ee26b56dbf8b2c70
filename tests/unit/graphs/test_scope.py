"""Symptom-first scope: which namespaces and components a ticket that names no workload points at."""

from __future__ import annotations

from graphs.extract import _STOP_WORDS, candidates_of
from graphs.scope import scope_of, stated_namespaces, stem
from knowledge.loader import parse_knowledge_graph

GRAPH = parse_knowledge_graph("""
components:
  - {name: storefront, type: service, namespace: shop, selector: {app: storefront}, description: Web shop for customers}
  - {name: wishlist-api, type: service, namespace: shop, selector: {app: wishlist-api}, aliases: [favourites]}
  - {name: es-indexer, type: service, namespace: search, selector: {app: es-indexer}}
  - {name: orders-db, type: database, namespace: orders, selector: {app: orders-db}}
relationships:
  - {from: storefront, to: wishlist-api}
""")


def names(text: str) -> list[str]:
    return [m.name for m in scope_of(text, GRAPH, None, _STOP_WORDS).components]


def test_plural_and_partial_names_match_a_distinctive_part() -> None:
    assert names("the indexer workers are way behind") == ["es-indexer"]
    assert stem("indexers") == "indexer" and stem("queries") == "query" and stem("class") == "class"


def test_aliases_match_and_generic_parts_do_not() -> None:
    assert names("customers cannot add favourites") == ["wishlist-api", "storefront"]
    assert names("the api returns 500") == []  # `api` names a kind of thing, not which one


def test_scope_prefers_stated_namespaces_then_components_then_the_graph() -> None:
    assert scope_of("checkout broken in the payments namespace", GRAPH, None, _STOP_WORDS).namespaces == ["payments"]
    assert scope_of("indexer workers are slow", GRAPH, None, _STOP_WORDS).namespaces == ["search"]
    everything = scope_of("it is all broken", GRAPH, None, _STOP_WORDS)
    assert everything.namespaces == ["orders", "search", "shop"]
    assert scope_of("it is broken", parse_knowledge_graph("components: []"), None, _STOP_WORDS).namespaces is None


def test_alertmanager_text_states_its_namespace() -> None:
    text = "[FIRING:1] KubePodCrashLooping namespace=reporting pod=export-7f9c4-abcde"
    assert stated_namespaces(text) == ["reporting"]
    assert stated_namespaces("Pod billing/invoicer-5d9f8b7c6d-x2x8q is crash looping") == ["billing"]


def test_a_stated_namespace_is_not_read_as_a_workload_name() -> None:
    assert "web" not in candidates_of("users logged out, web namespace", GRAPH, None, None).names


def test_the_word_after_namespace_that_continues_the_sentence_is_not_a_namespace() -> None:
    assert stated_namespaces("some pods in the shop namespace got evicted") == ["shop"]
    assert stated_namespaces("the payments namespace is slow, namespace=ledger") == ["ledger", "payments"]
