"""Assertions shared by the API tests."""


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
