"""The onboarding report as a page for the people steering the connection of authorities
(Anbindungsbegleitung): DC/DP per state and environment as the status report counts them,
drawn as SVG on the server (the table beside it says the same), progress by month, the
Länder, who is late or due for a transition deadline, the registers without a production
offer, and the Fachsynchronisation overview of the federal actors."""
from flask import Response, render_template

from ..access.auth import ensure_role
from ..access.roles import OVERSIGHT
from ..db.pool import get_conn
from ..onboarding import deadlines, fachsynchronisation, onboarding
from . import present
from .blueprint import blp

STATES_DE = {"in_preparation": "in Vorbereitung", "running": "laufend",
             "completed": "abgeschlossen", "planned": "geplant", "paused": "pausiert"}
ENVIRONMENTS_DE = present.ENVIRONMENT_NAMES
STANDINGS_DE = {"late": "überfällig", "due": "fällig in 90 Tagen", "open": "offen",
                "connected": "angebunden"}


@blp.route("/anbindungen")
def onboarding_page():
    ensure_role(*OVERSIGHT)
    conn = get_conn()
    report = onboarding.report(conn)
    obligations = deadlines.report(conn)
    return render_template(
        "web/onboarding.html", report=report, chart=_chart(report["table"]),
        progress_chart=_progress_chart(report["progress"][-24:]),
        obligations=[p for p in obligations["providers"] if p["standing"] in ("late", "due")],
        fachsynchronisation=fachsynchronisation.overview(conn),
        states=STATES_DE, environments=ENVIRONMENTS_DE, standings=STANDINGS_DE)


@blp.route("/anbindungen.csv")
def onboarding_csv():
    """The DC/DP table as CSV (session sign-in), as the API gives it."""
    ensure_role(*OVERSIGHT)
    return Response(onboarding.report_csv(onboarding.report(get_conn())), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="anbindungen.csv"'})


def _chart(table):
    """One group per state and environment, a DC and a DP bar each, scaled to the largest."""
    top = max([max(row["dc"], row["dp"]) for row in table] + [1])
    return [{**row, "label": f"{STATES_DE[row['state']]}, {ENVIRONMENTS_DE[row['environment']]}",
             "dc_width": round(300 * row["dc"] / top, 1),
             "dp_width": round(300 * row["dp"] / top, 1)} for row in table]


def _progress_chart(months):
    """Connected organisations (DC, DP) at each month's end, the last 24 months."""
    top = max([max(m["dc"]["connected"], m["dp"]["connected"]) for m in months] + [1])
    return [{**m, "dc_width": round(400 * m["dc"]["connected"] / top, 1),
             "dp_width": round(400 * m["dp"]["connected"] / top, 1)} for m in months]
