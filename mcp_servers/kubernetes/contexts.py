"""Several clusters in one tool server: one `ClusterReader` per kubeconfig context.

`SRE_KUBE_CONTEXTS` names the contexts served (`*`: every context of the kubeconfig); each has
its own backend and namespace allow-list (`SRE_CONTEXT_NAMESPACES`, else `SRE_ALLOWED_NAMESPACES`).
When there are several, every tool gains an optional `context` argument (an enum of the names;
omitted: the default context), and the tool bodies stay as they are: they call a proxy reader
that forwards to the reader of the context the current call asked for (a context variable, set
around each call in the thread that runs it). `list_contexts` names the contexts and their
allowed namespaces, never a server address or a credential.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, Field

from mcp_servers.kubernetes.backend import BackendError
from mcp_servers.kubernetes.cluster import ClusterReader

_CURRENT: contextvars.ContextVar[str | None] = contextvars.ContextVar("sre_kube_context", default=None)


class ContextInfo(BaseModel):
    name: str
    default: bool
    backend: str = Field(description="live or snapshot.")
    allowed_namespaces: list[str] | None = Field(None, description="None: every namespace the RBAC allows.")


class ContextList(BaseModel):
    contexts: list[ContextInfo]


class UnknownContextError(BackendError):
    pass


class ContextReaders:
    """The served contexts' readers, the default one first."""

    def __init__(self, readers: Mapping[str, ClusterReader], default: str) -> None:
        if default not in readers:
            raise ValueError(f"the default context {default!r} is not one of {sorted(readers)}")
        self.readers = dict(readers)
        self.default = default

    @classmethod
    def single(cls, reader: ClusterReader, name: str = "default") -> ContextReaders:
        return cls({name: reader}, name)

    @property
    def several(self) -> bool:
        return len(self.readers) > 1

    def reader(self, name: str | None = None) -> ClusterReader:
        name = name or _CURRENT.get() or self.default
        if name not in self.readers:
            served = ", ".join(self.readers)
            raise UnknownContextError(f"context {name!r} is not served here; the contexts are: {served}")
        return self.readers[name]

    def proxy(self) -> ClusterReader:
        """A ClusterReader that is, at each call, the reader of the context the call asked for."""
        return cast("ClusterReader", _Proxy(self))

    def list_contexts(self) -> ContextList:
        return ContextList(
            contexts=[
                ContextInfo(
                    name=name,
                    default=name == self.default,
                    backend=reader.backend.name,
                    allowed_namespaces=sorted(reader.allowed_namespaces) if reader.allowed_namespaces else None,
                )
                for name, reader in self.readers.items()
            ]
        )

    def accepting_context(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """With several contexts, `fn` gains an optional `context` argument that selects the reader."""
        if not self.several:
            return fn
        names = tuple(self.readers)
        choice = Annotated[
            Literal[names] | None,  # type: ignore[valid-type]
            Field(description=f"Kubeconfig context (cluster) to read; omit for {self.default!r}. See list_contexts."),
        ]
        signature = inspect.signature(fn)
        parameter = inspect.Parameter("context", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=choice)

        @functools.wraps(fn)
        def wrapper(*args: Any, context: str | None = None, **kwargs: Any) -> Any:
            token = _CURRENT.set(context)
            try:
                return fn(*args, **kwargs)
            finally:
                _CURRENT.reset(token)

        parameters = [*signature.parameters.values(), parameter]
        wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        return wrapper


class _Proxy:
    def __init__(self, contexts: ContextReaders) -> None:
        self._contexts = contexts

    def __getattr__(self, name: str) -> Any:
        return getattr(self._contexts.reader(), name)
