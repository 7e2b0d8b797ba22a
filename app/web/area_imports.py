"""New editions of the Gemeindeverzeichnis: the change sets awaiting a decision, their
preview (keys added, removed, renamed; the offers they touch), the successions a data manager
confirms, and the decision."""
from flask import redirect, render_template, request, url_for

from ..access.auth import ensure_role
from ..access.policy import may_decide_reviews
from ..access.roles import CURATORS, OVERSIGHT
from ..areas import editions
from ..catalog import area_imports
from ..db.pool import get_conn
from ..http.conventions import parse_version_etag
from ..http.errors import Problem
from . import forms
from .blueprint import blp


@blp.route("/gebietsstaende")
def area_import_list():
    ensure_role(*OVERSIGHT)
    conn = get_conn()
    rows, total = editions.listing(conn, {"limit": 50, "offset": 0})
    return render_template("web/area_imports.html", imports=rows, total=total)


def parse_successions(text):
    """One succession per line: OLD NEW [YYYY-MM-DD] (no date: between the two editions)."""
    found = []
    for line in (text or "").splitlines():
        parts = line.split()
        if not parts:
            continue
        found.append({"predecessor": parts[0], "successor": parts[1] if len(parts) > 1
                      else None, "effective_on": parts[2] if len(parts) > 2 else None})
    return found


@blp.route("/gebietsstaende/<code>", methods=["GET", "POST"])
def area_import_page(code):
    actor = ensure_role(*(OVERSIGHT if request.method == "GET" else CURATORS))
    conn = get_conn()
    row = editions.get(conn, code)
    form, status = forms.Form({"successions": "\n".join(
        f"{s['predecessor']} {s['successor']} {s['effective_on'] or ''}".strip()
        for s in row["successions"])}), 200
    if request.method == "POST":
        form = forms.from_request(request)
        action = form.get("action")
        try:
            # Every action is on the version this page showed (its ETag came with the form).
            seen = parse_version_etag(form.get("seen"))
            version = seen[0] if seen else None
            if version is None:
                form.fail("Das Formular nennt den geprüften Stand nicht; bitte neu laden.")
                status = 428
            elif action == "confirm":
                editions.confirm(conn, actor, code, parse_successions(form.get("successions")),
                                 version)
                return redirect(url_for("web.area_import_page", code=code), 303)
            elif action == "approve":
                area_imports.approve(conn, actor, code, version)
                return redirect(url_for("web.area_import_page", code=code), 303)
            elif action == "reject":
                if not form.get("reason"):
                    form.add("reason", "Bitte begründen Sie die Ablehnung.")
                    form.fail()
                    status = 422
                else:
                    editions.decide(conn, actor, code, version, approve=False,
                                    reason=form.get("reason"))
                    return redirect(url_for("web.area_import_page", code=code), 303)
            else:
                form.fail("Bitte eine Aktion wählen.")
                status = 422
        except Problem as problem:
            forms.refused(form, problem, {"successions": "successions"})
            status = problem.status
        row = editions.get(conn, code)
    return render_template("web/area_import.html", doc=area_imports.document(conn, row),
                           seen=f"v{row['version']}", form=form,
                           may_decide=may_decide_reviews(actor) and row["status"] == "pending"
                           ), status
