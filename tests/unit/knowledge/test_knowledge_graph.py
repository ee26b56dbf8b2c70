"""The knowledge graph: loading, every query, and errors that name the file, the line and the reason."""

from __future__ import annotations

import time
from pathlib import Path
from textwrap import dedent

import pydantic
import pytest

# Submodules rather than `knowledge` itself: an editable install made before knowledge/__init__.py
# existed resolves `knowledge` as a namespace package, which would hide the re-exports.
from knowledge import loader
from knowledge.errors import KnowledgeGraphError
from knowledge.graph import KnowledgeGraph
from knowledge.loader import DEFAULT_KNOWLEDGE_GRAPH, load_knowledge_graph, parse_knowledge_graph
from knowledge.model import Component, Relationship


@pytest.fixture(scope="module")
def shop() -> KnowledgeGraph:
    return load_knowledge_graph(DEFAULT_KNOWLEDGE_GRAPH)


def names(components: list[Component]) -> list[str]:
    return [c.name for c in components]


def name_of(component: Component | None) -> str | None:
    return None if component is None else component.name


def graph(text: str) -> KnowledgeGraph:
    return parse_knowledge_graph(dedent(text), "test.yaml")


# --- the default graph ------------------------------------------------------------------------


def test_default_graph_ships_inside_the_package() -> None:
    # Beside the modules, so the "*.yaml" package-data pattern puts it in the wheel.
    assert DEFAULT_KNOWLEDGE_GRAPH.is_file()
    assert DEFAULT_KNOWLEDGE_GRAPH.parent == Path(loader.__file__).parent


def test_default_graph_describes_the_demo_shop(shop: KnowledgeGraph) -> None:
    types = {c.name: c.type for c in shop.components}
    assert types == {
        "frontend": "service",
        "auth-service": "service",
        "checkout": "service",
        "payments-api": "service",
        "users-db": "database",
        "orders-db": "database",
        "redis": "cache",
        "payments-gateway": "external",
    }
    for component in shop.components:
        if component.type != "external":
            assert component.namespace == "shop"
            assert component.selector == {"app": component.name}
            assert component.service == component.name
    gateway = shop.component("payments-gateway")
    assert gateway is not None
    assert (gateway.namespace, gateway.selector, gateway.hosts) == (None, None, ("api.payments-gateway.example.com",))
    assert [(r.from_, r.to) for r in shop.relationships] == [
        ("frontend", "auth-service"),
        ("frontend", "checkout"),
        ("auth-service", "users-db"),
        ("auth-service", "redis"),
        ("checkout", "orders-db"),
        ("checkout", "payments-api"),
        ("payments-api", "payments-gateway"),
    ]


# --- dependencies and dependents --------------------------------------------------------------


def test_component_by_name(shop: KnowledgeGraph) -> None:
    users_db = shop.component("users-db")
    assert users_db is not None
    assert users_db.type == "database"
    assert shop.component("user-db") is None
    assert "users-db" in shop
    assert "user-db" not in shop
    assert len(shop) == 8


def test_direct_dependencies_in_file_order(shop: KnowledgeGraph) -> None:
    assert names(shop.dependencies("auth-service")) == ["users-db", "redis"]
    assert names(shop.dependencies("frontend")) == ["auth-service", "checkout"]
    assert shop.dependencies("users-db") == []


def test_transitive_dependencies_breadth_first(shop: KnowledgeGraph) -> None:
    assert names(shop.dependencies("frontend", transitive=True)) == [
        "auth-service",
        "checkout",
        "users-db",
        "redis",
        "orders-db",
        "payments-api",
        "payments-gateway",
    ]


def test_dependents(shop: KnowledgeGraph) -> None:
    assert names(shop.dependents("users-db")) == ["auth-service"]
    assert names(shop.dependents("payments-gateway", transitive=True)) == ["payments-api", "checkout", "frontend"]
    assert shop.dependents("frontend", transitive=True) == []


def test_results_are_copies_that_cannot_change_the_graph(shop: KnowledgeGraph) -> None:
    shop.dependencies("frontend", transitive=True).clear()
    assert len(shop.dependencies("frontend", transitive=True)) == 7
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        shop.components[0].name = "renamed"  # type: ignore[misc]


def test_unknown_name_is_a_key_error(shop: KnowledgeGraph) -> None:
    with pytest.raises(KeyError, match="unknown component 'user-db'"):
        shop.dependencies("user-db")
    with pytest.raises(KeyError, match="unknown component 'nope'"):
        shop.dependency_path("frontend", "nope")


CYCLE = """\
    components:
      - {name: a, type: external}
      - {name: b, type: external}
      - {name: c, type: external}
      - {name: d, type: external}
    relationships:
      - {from: a, to: b, type: depends_on}
      - {from: b, to: c, type: depends_on}
      - {from: c, to: a, type: depends_on}
      - {from: c, to: d, type: depends_on}
      - {from: a, to: d, type: depends_on}
"""


def test_cycles_terminate_and_never_list_the_start() -> None:
    cyclic = graph(CYCLE)
    assert names(cyclic.dependencies("a", transitive=True)) == ["b", "d", "c"]
    assert names(cyclic.dependencies("b", transitive=True)) == ["c", "a", "d"]
    assert names(cyclic.dependents("a", transitive=True)) == ["c", "b"]
    assert names(cyclic.dependents("d", transitive=True)) == ["c", "a", "b"]
    assert cyclic.dependencies("d", transitive=True) == []


def test_dependency_path_is_the_shortest() -> None:
    cyclic = graph(CYCLE)
    assert cyclic.dependency_path("a", "d") == ["a", "d"]  # not a -> b -> c -> d
    assert cyclic.dependency_path("b", "d") == ["b", "c", "d"]
    assert cyclic.dependency_path("c", "b") == ["c", "a", "b"]
    assert cyclic.dependency_path("a", "a") == ["a"]
    assert cyclic.dependency_path("d", "a") is None


def test_dependency_path_in_the_shop(shop: KnowledgeGraph) -> None:
    assert shop.dependency_path("frontend", "payments-gateway") == [
        "frontend",
        "checkout",
        "payments-api",
        "payments-gateway",
    ]
    assert shop.dependency_path("checkout", "users-db") is None


# --- pods ----------------------------------------------------------------------------------------


def test_pod_maps_by_namespace_and_labels(shop: KnowledgeGraph) -> None:
    labels = {"app": "users-db", "pod-template-hash": "7d9f8b6c5", "statefulset.kubernetes.io/pod-name": "x"}
    assert name_of(shop.component_for_pod("shop", labels)) == "users-db"
    assert shop.component_for_pod("staging", labels) is None
    assert shop.component_for_pod("shop", {"app": "unknown"}) is None
    assert shop.component_for_pod("shop", {}) is None


SPECIFIC = """\
    components:
      - {name: api, type: service, namespace: web, selector: {app: api}}
      - {name: api-canary, type: service, namespace: web, selector: {app: api, track: canary}}
      - {name: by-tier, type: service, namespace: web, selector: {tier: backend}}
      - {name: api-other, type: service, namespace: other, selector: {app: api, track: canary, zone: a}}
      - {name: outside, type: external, selector: {app: api}}
"""


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({"app": "api"}, "api"),
        ({"app": "api", "track": "stable"}, "api"),
        ({"app": "api", "track": "canary"}, "api-canary"),  # two labels beat one
        ({"app": "api", "track": "canary", "zone": "a"}, "api-canary"),  # the three-label one is elsewhere
        ({"tier": "backend", "app": "api"}, "api"),  # equally specific: the first defined wins
        ({"tier": "backend"}, "by-tier"),
        ({"track": "canary"}, None),
    ],
)
def test_most_specific_selector_wins(labels: dict[str, str], expected: str | None) -> None:
    assert name_of(graph(SPECIFIC).component_for_pod("web", labels)) == expected


# --- hosts -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "users-db",
        "users-db:5432",
        "users-db.shop",
        "users-db.shop:5432",
        "users-db.shop.svc",
        "users-db.shop.svc:5432",
        "users-db.shop.svc.cluster.local",
        "users-db.shop.svc.cluster.local:5432",
        "users-db.shop.svc.cluster.local.",
        "USERS-DB.Shop.svc.cluster.local",
        "users-db.shop.svc.k8s.example.org",  # a custom cluster domain
        "users-db-0.users-db.shop.svc.cluster.local",  # a StatefulSet pod through its Service
        "postgres://app:secret@users-db.shop.svc:5432/users?sslmode=disable",
    ],
)
def test_service_host_forms(shop: KnowledgeGraph, host: str) -> None:
    assert name_of(shop.component_for_host(host)) == "users-db"


@pytest.mark.parametrize(
    "host",
    [
        "api.payments-gateway.example.com",
        "api.payments-gateway.example.com:443",
        "https://api.payments-gateway.example.com/v1/charges",
        "payments-gateway",  # the component name, as people write it in logs
    ],
)
def test_external_hosts(shop: KnowledgeGraph, host: str) -> None:
    assert name_of(shop.component_for_host(host, namespace="shop")) == "payments-gateway"


@pytest.mark.parametrize(
    "host",
    ["users-db.staging.svc.cluster.local", "payments-gateway.example.com", "10.0.0.7:5432", "example.com", "", ":80"],
)
def test_unknown_hosts(shop: KnowledgeGraph, host: str) -> None:
    assert shop.component_for_host(host) is None


def test_bare_host_resolves_in_the_callers_namespace_first() -> None:
    two = graph("""\
        components:
          - {name: api-a, type: service, namespace: a, selector: {app: api}, service: api}
          - {name: api-b, type: service, namespace: b, selector: {app: api}, service: api}
          - {name: orders, type: database, namespace: b, selector: {app: orders}, service: orders-primary}
    """)
    assert two.component_for_host("api") is None  # ambiguous without a namespace
    assert two.component_for_host("api:8080", namespace="b") == two.component("api-b")
    assert two.component_for_host("api.a") == two.component("api-a")
    assert two.component_for_host("orders-primary", namespace="b") == two.component("orders")
    assert two.component_for_host("orders.b.svc") == two.component("orders")  # the component name, qualified
    assert two.component_for_host("orders", namespace="elsewhere") == two.component("orders")  # the only one


# --- programmatic use and scale -----------------------------------------------------------------


def test_relationship_uses_from_in_files_and_from_underscore_in_code() -> None:
    rel = Relationship.model_validate({"from": "a", "to": "b"})
    assert (rel.from_, rel.to, rel.type) == ("a", "b", "depends_on")
    assert rel.model_dump(by_alias=True) == {"from": "a", "to": "b", "type": "depends_on"}
    assert Relationship(from_="a", to="b") == rel


def test_graphs_built_in_code_are_checked_too() -> None:
    with pytest.raises(KnowledgeGraphError) as caught:
        KnowledgeGraph([Component(name="a", type="external")], [Relationship(from_="a", to="x")])
    assert str(caught.value) == "<knowledge graph>: relationship a -> x: unknown component 'x' (known: a)"
    assert caught.value.line is None


def test_a_thousand_components_answer_in_microseconds() -> None:
    count = 1000
    components = [
        Component(
            name=f"svc-{i}",
            type="service",
            namespace="big",
            selector={"app": f"svc-{i}", "tier": "backend"},
            service=f"svc-{i}",
        )
        for i in range(count)
    ]
    chain = [Relationship(from_=f"svc-{i}", to=f"svc-{i + 1}") for i in range(count - 1)]
    big = KnowledgeGraph(components, [*chain, Relationship(from_=f"svc-{count - 1}", to="svc-0")])
    pod = {"app": "svc-500", "tier": "backend", "pod-template-hash": "abc"}

    assert len(big.dependencies("svc-0", transitive=True)) == count - 1
    rounds = 2000
    start = time.perf_counter()
    for _ in range(rounds):
        big.component_for_pod("big", pod)
        big.component_for_host("svc-500.big.svc.cluster.local:80")
        big.dependencies("svc-500")
        big.dependencies("svc-500", transitive=True)
    per_round = (time.perf_counter() - start) / rounds
    # Generous for slow CI: here the four take ~5 µs, and a linear scan of 1,000 selectors ~500 µs alone.
    assert per_round < 100e-6, f"{per_round * 1e6:.1f} µs for four queries"
    assert big.component_for_pod("big", pod) == big.component("svc-500")


# --- errors: file, line and reason ----------------------------------------------------------


def load_error(tmp_path: Path, text: str) -> tuple[str, KnowledgeGraphError]:
    path = tmp_path / "knowledge_graph.yaml"
    path.write_text(dedent(text), encoding="utf-8")
    with pytest.raises(KnowledgeGraphError) as caught:
        load_knowledge_graph(path)
    return str(path), caught.value


BAD_FILES = {
    "syntax error": (
        """\
        components:
          - name: auth-service
            type: service
           namespace: shop
        """,
        4,
        "invalid YAML: expected <block end>, but found '<block mapping start>'"
        " (while parsing a block collection at line 2)",
    ),
    "unclosed flow mapping": (
        """\
        components:
          - name: auth-service
            selector: {app: auth-service
          - name: users-db
        """,
        4,
        "invalid YAML: expected ',' or '}', but got ':' (while parsing a flow mapping at line 3)",
    ),
    "wrong component type": (
        """\
        components:
          - name: users-db
            type: database
            namespace: shop
            selector: {app: users-db}
          - name: redis
            type: cach
            namespace: shop
            selector: {app: redis}
        """,
        7,
        "component 'redis': type must be one of service, database, cache, queue, external",
    ),
    "missing name": (
        """\
        components:
          - name: users-db
            type: external
          - type: service
            namespace: shop
            selector: {app: x}
        """,
        4,
        "component #2: missing required key 'name'",
    ),
    "duplicate name": (
        """\
        components:
          - {name: redis, type: cache, namespace: shop, selector: {app: redis}}
          - {name: users-db, type: database, namespace: shop, selector: {app: users-db}}
          - {name: redis, type: cache, namespace: shop, selector: {app: redis-2}}
        """,
        4,
        "duplicate component name 'redis' (first defined at line 2)",
    ),
    "unknown relationship target": (
        """\
        components:
          - {name: auth-service, type: service, namespace: shop, selector: {app: auth-service}}
          - {name: users-db, type: database, namespace: shop, selector: {app: users-db}}
        relationships:
          - from: auth-service
            to: user-db
            type: depends_on
        """,
        6,
        "relationship auth-service -> user-db: unknown component 'user-db'"
        " (did you mean 'users-db'? known: auth-service, users-db)",
    ),
    "unknown relationship type": (
        """\
        components:
          - {name: a, type: external}
          - {name: b, type: external}
        relationships:
          - {from: a, to: b, type: depends_on}
          - {from: b, to: a, type: calls}
        """,
        6,
        "relationship b -> a: type must be depends_on",
    ),
    "unknown top-level key": (
        """\
        components: []
        relations:
          - {from: a, to: b}
        """,
        2,
        "unknown top-level key 'relations' (allowed: components, relationships)",
    ),
    "unknown component key": (
        """\
        components:
          - name: a
            type: service
            namespace: shop
            selectors: {app: a}
        """,
        5,
        "component 'a': unknown key 'selectors'"
        " (allowed: name, type, namespace, selector, service, runbook, description, hosts, aliases)",
    ),
    "empty file": ("", 1, "the file is empty: expected a mapping with a 'components' list"),
    "only comments": ("# to do\n", 1, "the file is empty: expected a mapping with a 'components' list"),
    "top-level list": (
        """\
        # a list of components, without the `components:` key
        - name: a
          type: external
        """,
        2,
        "expected a mapping with 'components' and 'relationships' at the top level, got a list",
    ),
    "duplicate yaml key": (
        """\
        components:
          - {name: a, type: external}
        relationships: []
        relationships: []
        """,
        4,
        "duplicate key 'relationships' (first at line 3)",
    ),
    "number where a label value belongs": (
        """\
        components:
          - name: a
            type: service
            namespace: shop
            selector:
              app: a
              version: 2
        """,
        7,
        "component 'a': selector.version must be a string, got the number 2 (quote it in YAML)",
    ),
    "in-cluster component without pods": (
        """\
        components:
          - name: a
            type: database
        """,
        2,
        "component 'a': a database component needs namespace and selector (only external components may omit them)",
    ),
    "two components claim one Service": (
        """\
        components:
          - {name: a, type: service, namespace: shop, selector: {app: a}, service: web}
          - {name: b, type: service, namespace: shop, selector: {app: b}, service: web}
        """,
        3,
        "component 'b': service 'web' in namespace 'shop' already belongs to component 'a' (claimed at line 2)",
    ),
    "self dependency": (
        """\
        components:
          - {name: a, type: external}
        relationships:
          - {from: a, to: a}
        """,
        4,
        "relationship a -> a: a component cannot depend on itself",
    ),
    "component that is not a mapping": (
        """\
        components:
          - auth-service
        """,
        2,
        "component #1: must be a mapping, got a string",
    ),
}


@pytest.mark.parametrize(("text", "line", "reason"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_file_names_file_line_and_reason(tmp_path: Path, text: str, line: int, reason: str) -> None:
    path, error = load_error(tmp_path, text)
    assert str(error) == f"{path}:{line}: {reason}"
    assert (error.line, error.reason) == (line, reason)
    assert isinstance(error, ValueError)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path, error = load_error(
        tmp_path,
        """\
        components:
          - {name: a, type: service, namespace: shop}
          - {name: b, type: bogus}
        relationships:
          - {from: a, to: b}
        extra: true
        """,
    )
    # In file order, although the unknown key is found first and the bad components before it.
    assert str(error).splitlines() == [
        f"{path}:2: component 'a': a service component needs selector (only external components may omit them)",
        f"{path}:3: component 'b': type must be one of service, database, cache, queue, external",
        f"{path}:6: unknown top-level key 'extra' (allowed: components, relationships)",
    ]


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(KnowledgeGraphError) as caught:
        load_knowledge_graph(path)
    assert str(caught.value) == f"{path}: cannot read the knowledge graph: No such file or directory"


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("components:\n  - name: caf\u00e9\n".encode("latin-1"))
    with pytest.raises(KnowledgeGraphError) as caught:
        load_knowledge_graph(path)
    assert str(caught.value) == f"{path}:2: not UTF-8 text: byte 0xe9 cannot be decoded"
