"""The OOTS code lists (catalog/code_lists.py) for the people who curate them: every list of
both TDD lines with its edition and revision; on a list's page its values, a value added, and
a value removed unless something still uses it (the refusal names what)."""
from flask import redirect, render_template, request, url_for

from ..access.auth import ensure_role
from ..access.roles import CURATORS, OVERSIGHT
from ..catalog import code_lists
from ..db.pool import get_conn
from ..http.conventions import parse_version_etag
from ..http.errors import NotFound, Problem
from . import forms
from .blueprint import blp


@blp.route("/codelisten")
def code_lists_page():
    ensure_role(*OVERSIGHT)
    return render_template("web/code_lists.html", lists=code_lists.documents(get_conn()))


@blp.route("/codelisten/<name>/<line>", methods=["GET", "POST"])
def code_list_page(name, line):
    actor = ensure_role(*(OVERSIGHT if request.method == "GET" else CURATORS))
    conn = get_conn()
    if name not in code_lists.LISTS or line not in code_lists.LINES:
        raise NotFound("code list", f"{name}/{line}")
    form, status = forms.Form(), 200
    if request.method == "POST":
        form = forms.from_request(request)
        # Every change is on the revision this page showed (it came with the form).
        seen = parse_version_etag(form.get("seen"))
        try:
            if not seen:
                form.fail("Das Formular nennt den angezeigten Stand nicht; bitte neu laden.")
                status = 428
            elif form.get("remove"):
                code_lists.remove_value(conn, actor, name, line, form.get("remove"), seen[0])
                return redirect(url_for("web.code_list_page", name=name, line=line), 303)
            elif not form.get("code") or not form.get("label"):
                for field in ("code", "label"):
                    if not form.get(field):
                        form.add(field, "Bitte angeben.")
                form.fail()
                status = 422
            else:
                code_lists.add_value(conn, actor, name, line, {
                    "code": form.get("code"), "label": form.get("label"),
                    "source": form.get("source") or None}, seen[0])
                return redirect(url_for("web.code_list_page", name=name, line=line), 303)
        except Problem as problem:
            forms.refused(form, problem, {"code": "code", "label": "label",
                                          "source": "source"})
            status = problem.status
    found = code_lists.document(conn, name, line)
    return render_template("web/code_list.html", doc=found, form=form,
                           seen=f"v{found['revision']}",
                           may_change=actor.is_curator), status
