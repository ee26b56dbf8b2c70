"""The knowledge graph: which components the application is made of and what depends on what.

For example:

graph = load_knowledge_graph(DEFAULT_KNOWLEDGE_GRAPH)
component = graph.component_for_pod("shop", pod_labels)
graph.dependencies(component.name, transitive=True)
"""

from .errors import KnowledgeGraphError, Problem
from .graph import KnowledgeGraph
from .host_names import normalize_host
from .loader import DEFAULT_KNOWLEDGE_GRAPH, load_knowledge_graph, parse_knowledge_graph
from .model import COMPONENT_TYPES, RELATIONSHIP_TYPES, Component, ComponentType, Relationship, RelationshipType

__all__ = [
    "COMPONENT_TYPES",
    "DEFAULT_KNOWLEDGE_GRAPH",
    "RELATIONSHIP_TYPES",
    "Component",
    "ComponentType",
    "KnowledgeGraph",
    "KnowledgeGraphError",
    "Problem",
    "Relationship",
    "RelationshipType",
    "load_knowledge_graph",
    "normalize_host",
    "parse_knowledge_graph",
]
