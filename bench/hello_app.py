"""The baselines: a bare Flask "hello" endpoint and a plain WSGI one (no Flask), served by
the same server settings as regmap."""
from flask import Flask

app = Flask(__name__)


@app.get("/hello")
def hello():
    return "hello"


def plain(environ, start_response):
    """The ceiling of a Python answer: a WSGI callable with no framework at all."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"hello"]


# A competence answer's shape (tests nothing of its content): its nine headers and a body of
# its size (585 bytes for a municipality of the demo catalogue).
_CANNED_BODY = b'{"answer": "' + b"x" * 571 + b'"}'
_CANNED_HEADERS = [
    ("Content-Type", "application/json"), ("Content-Length", str(len(_CANNED_BODY))),
    ("ETag", '"31f6080cccc395ced0733ed8bf77b6c1"'), ("Vary", "Authorization"),
    ("Cache-Control", "private, no-cache"), ("X-Request-ID", "232c2ab64cc9472f0000000000000000"),
    ("RateLimit-Limit", "100000"), ("RateLimit-Remaining", "99999"), ("RateLimit-Reset", "1")]


def canned(environ, start_response):
    """The ceiling of an answer the size of a competence answer: plain WSGI, no work."""
    start_response("200 OK", list(_CANNED_HEADERS))
    return [_CANNED_BODY]
