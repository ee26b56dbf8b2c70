"""The read-only web UI at /ui/: incidents to look at rather than JSON to read, and a form to open one.

`WebUi(settings, service).mount` is the route to add to the REST API's app, and `ApiAndUiAuth`
(with `WebUi.sessions`) replaces its bearer-token middleware so that browsers can log in.
"""

from orchestrator.web.auth import ApiAndUiAuth
from orchestrator.web.routes import WebUi

__all__ = ["ApiAndUiAuth", "WebUi"]
