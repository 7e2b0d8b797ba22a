"""Assertions shared by the API tests."""
from contextlib import contextmanager


def assert_problem(response, status, slug=None):
    """The response is an RFC 9457 problem with this status (and problem type slug)."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["title"]
    assert body["request_id"] == response.headers["X-Request-ID"]
    if slug:
        assert body["type"].endswith("/" + slug), body["type"]
    return body


def _wsgi_layer(app, layer):
    """The app's WSGI layer of class `layer`, under the rate limit (and ProxyFix)."""
    fast = app.wsgi_app
    while not isinstance(fast, layer):
        fast = fast.wsgi_app
    return fast


@contextmanager
def answered_by_flask(app, layer):
    """While the block runs, the WSGI layer of class `layer` (a fast path) answers nothing
    itself: every request goes on to Flask (what its answers are compared with)."""
    fast = _wsgi_layer(app, layer)
    fast._answer = lambda *args: None
    try:
        yield
    finally:
        del fast._answer


@contextmanager
def flask_calls(app, layer):
    """The paths of the requests that the WSGI layer of class `layer` (a fast path) hands on
    towards Flask, while the block runs."""
    fast = _wsgi_layer(app, layer)
    inner, calls = fast.wsgi_app, []

    def counting(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return inner(environ, start_response)
    fast.wsgi_app = counting
    try:
        yield calls
    finally:
        fast.wsgi_app = inner
