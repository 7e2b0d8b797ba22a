"""The web pages' blueprint; every page module registers its routes on it."""
from flask import Blueprint

from . import sessions

blp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
                static_url_path="/assets")


@blp.before_request
def _visitor():
    sessions.load_visitor()


@blp.after_request
def _cookies(response):
    return sessions.set_cookies(response)
