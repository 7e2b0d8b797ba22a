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
