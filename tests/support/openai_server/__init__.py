"""A test-only OpenAI-compatible server, so the real `langchain-openai` client is tested over the network.

HTTPS with a CA made per run (the client verifies it through `SRE_LLM_CA_BUNDLE`), a bearer API
key made per run, and answers scripted per test:

    with OpenAIServer() as server:                    # or the `openai_server` fixture
        server.script(error(429, retry_after_seconds=0.1), answer({"component": "auth-service"}))
        ...                                            # point ChatOpenAI at server.base_url
        server.requests[0].bearer_token, server.requests[0].prompt

`POST /v1/chat/completions` takes the next scripted reply: `answer(fields)` (the assistant's
content is that JSON, as a `json_schema` structured-output answer is), `raw(text)` (anything,
e.g. not JSON), `error(status, retry_after_seconds=...)`; each takes `delay_seconds` to answer
late. Every request, to any path, is recorded with its headers and JSON body. Usage is reported as
`rough_tokens` of the prompt and of the answer (about 4 characters a token).
"""

from .app import RecordedRequest, Reply, answer, error, raw, rough_tokens
from .server import OpenAIServer

__all__ = ["OpenAIServer", "RecordedRequest", "Reply", "answer", "error", "raw", "rough_tokens"]
