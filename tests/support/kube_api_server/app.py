"""The Starlette app: routes of the Kubernetes REST API, read-only, below a cluster prefix."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend
from mcp_servers.kubernetes.selectors import SelectorError

from . import access_review
from .auth import BearerTokenMiddleware
from .catalog import ServedResource, served
from .discovery import SERVER_VERSION, api_group, api_group_list, api_resource_list, api_versions
from .faults import FaultMiddleware, FaultRegistry
from .listing import list_document, object_document, parse_list_query
from .logs import pod_logs
from .objects import get_object, list_objects
from .params import bool_param
from .paths import CLUSTER_PREFIX, ResourcePath, parse_resource_path
from .status import ApiError, status_response
from .tables import table_document, wants_table

# The real server's wording for a path it has no handler for.
_NO_SUCH_PATH = "the server could not find the requested resource"


def build_app(clusters: Mapping[str, SnapshotBackend], *, token: str, faults: FaultRegistry) -> Starlette:
    """`clusters` is read on every request, so snapshots added later are served at once."""
    # The clients ask for some documents with a trailing slash (the Python client's
    # get_api_resources asks for "/api/v1/"); the real server answers both spellings.
    documents = {
        "/version": version,
        "/api": core_versions,
        "/api/{version}": resource_list,
        "/apis": group_list,
        "/apis/{group}": group,
        "/apis/{group}/{version}": resource_list,
    }
    cluster_routes = [Route(path + slash, endpoint) for path, endpoint in documents.items() for slash in ("", "/")]
    cluster_routes += [
        Route(f"/apis/{access_review.GROUP_VERSION}/{access_review.RESOURCE}", self_access_review, methods=["POST"]),
        Route("/api/{version}/{path:path}", resources),
        Route("/apis/{group}/{version}/{path:path}", resources),
    ]
    app = Starlette(
        routes=[Mount(CLUSTER_PREFIX + "/{cluster}", routes=cluster_routes)],
        middleware=[
            Middleware(BearerTokenMiddleware, token=token),
            Middleware(FaultMiddleware, faults=faults),
        ],
        exception_handlers={
            ApiError: _api_error,
            SelectorError: _selector_error,
            HTTPException: _http_error,
            Exception: _internal_error,
        },
    )
    app.state.clusters = clusters
    return app


def _backend(request: Request) -> SnapshotBackend:
    cluster_id = request.path_params["cluster"]
    backend = request.app.state.clusters.get(cluster_id)
    if backend is None:
        raise ApiError(404, f'{_NO_SUCH_PATH}: no snapshot is served as cluster "{cluster_id}"')
    return backend


def _group_version(request: Request) -> str:
    group, version = request.path_params.get("group"), request.path_params["version"]
    return f"{group}/{version}" if group else version


async def version(request: Request) -> Response:
    _backend(request)
    return JSONResponse(SERVER_VERSION)


async def core_versions(request: Request) -> Response:
    _backend(request)
    return JSONResponse(api_versions(request.url.netloc))


async def group_list(request: Request) -> Response:
    return JSONResponse(api_group_list(_backend(request)))


async def group(request: Request) -> Response:
    document = api_group(_backend(request), request.path_params["group"])
    if document is None:
        raise ApiError(404, _NO_SUCH_PATH)
    return JSONResponse(document)


async def resource_list(request: Request) -> Response:
    document = api_resource_list(_backend(request), _group_version(request))
    if document is None:
        raise ApiError(404, _NO_SUCH_PATH)
    return JSONResponse(document)


async def self_access_review(request: Request) -> Response:
    backend = _backend(request)
    try:
        review = access_review.parse_review(await request.body(), request.headers.get("content-type", ""))
    except ValueError as exc:
        raise ApiError.bad_request(f"cannot read the SelfSubjectAccessReview: {exc}") from exc
    return JSONResponse(access_review.answer(backend, review), status_code=201)


def resources(request: Request) -> Response:
    # Synchronous on purpose: Starlette runs it in a worker thread, so snapshot file reads
    # never stall the event loop that serves other tests' requests and injected delays.
    backend = _backend(request)
    target = parse_resource_path(request.path_params["path"])
    resource = served(backend, _group_version(request), target.resource) if target else None
    if target is None or resource is None or not _registered(resource, target):
        raise ApiError(404, _NO_SUCH_PATH)
    params = request.query_params
    if bool_param(params, "watch"):
        raise ApiError(405, "watch is not supported by this test API server: list instead")
    if resource.source == "forbidden":
        verb = "get" if target.name else "list"
        raise ApiError.forbidden(verb, resource.name, resource.group, target.namespace, target.name)
    if target.name is None:
        query = parse_list_query(params, resource)
        objects = list_objects(
            backend,
            resource,
            target.namespace,
            label_selector=query.label_selector,
            field_selector=query.field_selector,
        )
        document = list_document(resource, objects, query)
        if wants_table(request.headers.get("accept", "")):
            document = table_document(backend, resource, document["items"], document["metadata"], params)
        return JSONResponse(document)
    obj = get_object(backend, resource, target.namespace, target.name)
    if target.subresource == "log":
        return Response(pod_logs(backend, obj, params), media_type="text/plain")
    if wants_table(request.headers.get("accept", "")):
        return JSONResponse(table_document(backend, resource, [obj], {"resourceVersion": "1"}, params))
    return JSONResponse(object_document(resource, obj))


def _registered(resource: ServedResource, target: ResourcePath) -> bool:
    """Whether the API server has this path at all (there is no /api/v1/pods/NAME, say)."""
    if target.namespace is not None and not resource.namespaced:
        return False
    if target.name is not None and resource.namespaced and target.namespace is None:
        return False
    if target.subresource is None:
        return True
    return target.subresource == "log" and resource.type.qualified_name == "pods" and target.name is not None


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _selector_error(request: Request, exc: Exception) -> Response:
    return status_response(400, f"unable to parse requirement: {exc}")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        message = "the server does not allow this method on the requested resource"
        return status_response(405, message, headers=exc.headers)
    if exc.status_code == 404:
        return status_response(404, _NO_SUCH_PATH)
    return status_response(exc.status_code, exc.detail)


async def _internal_error(request: Request, exc: Exception) -> Response:
    return status_response(500, f"test API server error: {type(exc).__name__}: {exc}")
