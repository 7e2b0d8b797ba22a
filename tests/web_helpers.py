"""Driving the web pages with Flask's test client: forms carry the page's CSRF token."""
import re

from app.access.actor import system_actor
from app.governance.users import create_user

PASSWORD = "ein-gutes-Passwort-123"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(client, path="/anmelden"):
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return _CSRF.search(page.get_data(as_text=True)).group(1)


def post_form(client, path, data, page=None):
    """POST like a browser: the CSRF token is read from `page` (default: the form's page)."""
    token = csrf_of(client, page or path)
    return client.post(path, data={"csrf_token": token, **data})


def post_review(client, path, data):
    """POST a review decision like a browser: with the CSRF token and the ETag of what the
    page showed (its hidden `seen` field)."""
    page = client.get(path).get_data(as_text=True)
    seen = re.search(r'name="seen" value="([^"]*)"', page)
    return post_form(client, path, {**({"seen": seen.group(1)} if seen else {}), **data},
                     page=path)


def web_user(conn, role, org=None, email=None):
    email = email or f"web.{role}.{org or 'fks'}@test.example"
    create_user(conn, system_actor("tests"), {"email": email, "role": role,
                                              "organisation": org, "password": PASSWORD})
    return email


def sign_in(client, email, password=PASSWORD):
    r = post_form(client, "/anmelden", {"email": email, "password": password})
    assert r.status_code == 303, r.get_data(as_text=True)[:2000]
    return r


def text(response):
    return response.get_data(as_text=True)
