"""The `regmap` command: database, seeding, areas and serving."""
import getpass
import os
import shutil
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from tqdm import tqdm

from . import create_app
from .access.environments import ENVIRONMENTS
from .access.roles import ROLES, acts_for_an_organisation
from .config import Config
from .db import embedded_pg, migrate
from .db.pool import resolve_database_url
from .http import observability
from .http.errors import Problem
from .values.dates import parse_iso_date

# Commands print their result and warnings only; --verbose (or LOG_LEVEL) shows the log.
_verbosity = {"verbose": False}


def _app_factory():
    # Seeding a national catalogue or importing runs statements longer than a request may.
    overrides = {"DB_STATEMENT_TIMEOUT": 0}
    if not _verbosity["verbose"] and not os.environ.get("LOG_LEVEL"):
        overrides["LOG_LEVEL"] = "WARNING"
    return create_app(overrides)


@click.group(cls=FlaskGroup, create_app=_app_factory, add_default_commands=False,
             add_version_option=False)
@click.option("--verbose", "-v", is_flag=True, help="Show the log (INFO and up) on stderr.")
def main(verbose):
    """regmap: register map, evidence catalogue and competence resolution for NOOTS."""
    _verbosity["verbose"] = verbose
    if verbose:
        observability.configure_logging("INFO")


def _database_url():
    return resolve_database_url(Config.from_env())


def _fail(problem):
    click.echo(f"error: {problem.detail}", err=True)
    for e in problem.errors:
        click.echo(f"  {e['name']}: {e['detail']}", err=True)
    sys.exit(2 if problem.status < 500 else 1)


@main.group()
def db():
    """Database schema migrations."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision):
    """Migrate the database up to REVISION (default: head)."""
    migrate.upgrade(_database_url(), revision)


@db.command("stop", with_appcontext=False)
def db_stop():
    """Stop the embedded PostgreSQL of VAR_DIR (nothing to do with DATABASE_URL set)."""
    config = Config.from_env()
    if config.DATABASE_URL:
        click.echo("DATABASE_URL is set: regmap runs no embedded server to stop")
        return
    stopped = embedded_pg.stop(f"{config.VAR_DIR}/pgdata")
    click.echo("embedded PostgreSQL stopped" if stopped else
               "no embedded PostgreSQL running")


@db.command("downgrade")
@click.argument("revision", default="base")
def db_downgrade(revision):
    """Migrate the database down to REVISION (default: base, an empty schema)."""
    migrate.downgrade(_database_url(), revision)


@main.command()
@click.option("--demo", is_flag=True,
              help="Also load the illustrative demo catalogue (pilot use cases).")
@click.option("--national", is_flag=True,
              help="Also load a generated, illustrative catalogue of national scale (120 "
                   "evidence types, ~476,000 offers; implies --demo), to measure on.")
@with_appcontext
def seed(demo, national):
    """Load the shipped reference data (idempotent: a second run changes nothing)."""
    from .access.actor import system_actor
    from .areas.seed import seed_areas
    from .catalog.seed import seed_catalog, seed_demo
    from .db.pool import get_conn
    from .onboarding.seed import seed_demo_onboarding, seed_onboarding

    conn, seed_dir = get_conn(), current_app.config["SEED_DIR"]
    actor = system_actor(f"cli:{getpass.getuser()}:seed")
    with tqdm(desc="areas and postcodes", unit="row", disable=not sys.stderr.isatty(),
              file=sys.stderr) as bar:
        report = seed_areas(conn, seed_dir, progress=bar)
    report["catalogue"] = {**seed_catalog(conn, seed_dir, actor),
                           **seed_onboarding(conn, seed_dir, actor)}
    if demo or national:
        report["demo catalogue"] = seed_demo(conn, seed_dir, actor)
        report["demo catalogue"]["created"] += seed_demo_onboarding(
            conn, seed_dir, actor)["created"]
    if national:
        from .catalog.generated import seed_national
        report["national catalogue"] = seed_national(conn, actor)
    # Fresh statistics, so the planner drives lookups from the selective side at once.
    conn.execute("ANALYZE")
    for part, counts in report.items():
        click.echo(f"{part}: " + ", ".join(f"{n} {what}" for what, n in counts.items()))


@main.group()
def demo():
    """The illustrative demo catalogue."""


@demo.command("retire")
@with_appcontext
def demo_retire():
    """Retire every illustrative offer, permission, service, evidence type, register and
    organisation in one audited change (the evidence types the plain seed ships stay)."""
    from .access.actor import system_actor
    from .catalog.demo import retire_demo
    from .db.pool import get_conn
    from .onboarding.onboarding import onboarding

    counts = retire_demo(get_conn(), system_actor(f"cli:{getpass.getuser()}:demo-retire"),
                         dependants=(onboarding,))
    click.echo("retired: " + ", ".join(f"{n} {what}" for what, n in counts.items()))


@main.group()
def checks():
    """The log of permission checks."""


@checks.command("prune")
@click.option("--older-than", "older_than", type=click.IntRange(min=1), required=True,
              metavar="DAYS", help="delete entries older than this many days")
@with_appcontext
def checks_prune(older_than):
    """Delete permission-check log entries older than DAYS days (the log's retention), in
    one audited change."""
    from .access.actor import system_actor
    from .competence import check_log
    from .db.pool import get_conn

    deleted = check_log.prune(get_conn(), system_actor(f"cli:{getpass.getuser()}:checks-prune"),
                              older_than)
    click.echo(f"deleted {deleted} permission-check log entries older than {older_than} days")


@main.group()
def areas():
    """Reference areas."""


@areas.group()
def succession():
    """Successions of retired area keys (mergers), recorded by people."""


@areas.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def areas_import(file):
    """Load a new Gemeindeverzeichnis edition (Destatis GV100AD file) as a change set: a
    preview of added, removed and renamed keys and the offers they touch. Nothing changes
    until a data manager confirms the successions and approves it (API or web page)."""
    from .access.actor import system_actor
    from .areas import editions
    from .catalog.area_imports import document
    from .db.pool import get_conn
    from .http.csv_input import decode

    conn = get_conn()
    try:
        with open(file, "rb") as f:
            text = decode(f.read())
        row = editions.propose(conn, system_actor(f"cli:{getpass.getuser()}:areas-import"),
                               text)
    except Problem as problem:
        _fail(problem)
    doc = document(conn, row)
    preview = doc["preview"]
    click.echo(f"change set {doc['code']}: edition {doc['edition']} (in force: "
               f"{doc['previous_edition']}); {len(preview['added'])} added, "
               f"{len(preview['removed'])} removed, {len(preview['renamed'])} renamed, "
               f"{len(preview['ars_changed'])} ARS changed, {len(doc['offers_touched'])} "
               "offer areas touched")
    click.echo(f"review it at /gebietsstaende/{doc['code']} or GET /api/v1/area-imports/"
               f"{doc['code']}")


@succession.command("add")
@click.argument("old")
@click.argument("new")
@click.option("--date", "effective_on", required=True,
              help="Day from which NEW replaces OLD (YYYY-MM-DD); OLD is valid until the "
                   "day before.")
@with_appcontext
def succession_add(old, new, effective_on):
    """Record that area OLD is succeeded by NEW from --date on."""
    from .areas.succession import add_succession
    from .db.pool import get_conn

    try:
        day = parse_iso_date(effective_on)
    except ValueError:
        raise click.BadParameter("expected YYYY-MM-DD", param_hint="--date") from None
    try:
        done = add_succession(get_conn(), old, new, day, f"cli:{getpass.getuser()}")
    except Problem as problem:
        _fail(problem)
    click.echo(f"{done['predecessor']} -> {done['successor']} from {done['effective_on']}")


def _check_org_option(role, organisation):
    """--org names the organisation of a scoped role, and only then."""
    if acts_for_an_organisation(role) and not organisation:
        raise click.UsageError(f"--org is required for {role}")
    if not acts_for_an_organisation(role) and organisation:
        raise click.UsageError(f"{role} acts for no organisation: leave out --org")


@main.group()
def token():
    """API tokens."""


@token.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--org", "organisation", help="Organisation code (provider_admin, consumer_admin).")
@click.option("--expires-days", default=90, show_default=True, type=int)
@click.option("--environment", type=click.Choice(ENVIRONMENTS),
              help="Bind the token to one environment (default: any).")
@with_appcontext
def token_create(email, role, organisation, expires_days, environment):
    """Print a new token for the user with E-MAIL (created with ROLE if missing)."""
    from .access.actor import system_actor
    from .db.pool import get_conn
    from .governance.users import ensure_user_with_role, issue_token

    _check_org_option(role, organisation)
    conn = get_conn()
    actor = system_actor(f"cli:{getpass.getuser()}")
    try:
        user = ensure_user_with_role(conn, actor, email=email, role=role,
                                     organisation_code=organisation)
        issued = issue_token(conn, actor, user, name="cli", expires_days=expires_days,
                             environment=environment)
    except Problem as problem:
        _fail(problem)
    click.echo(issued["token"])


@main.group()
def oots():
    """The EU OOTS binding: signed answers (TDD 2.0 § 3.6.2)."""


@oots.command("verify-answer", with_appcontext=False)
@click.argument("body", type=click.Path(exists=True, dir_okay=False))
@click.argument("headers", type=click.Path(exists=True, dir_okay=False))
@click.option("--trust", "trusted", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="A PEM certificate the chain must end in (repeatable); without it the "
                   "chain is checked but not anchored.")
def oots_verify_answer(body, headers, trusted):
    """Verify a signed OOTS answer: BODY holds its bytes, HEADERS its header lines ("name:
    value", e.g. from `curl -D`). Prints the signer; exit code 1 when it does not verify."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    from .oots import response_signature

    fields = {}
    with open(headers, encoding="latin-1") as lines:
        for line in lines:
            name, sep, value = line.partition(":")
            if sep and not name.startswith("HTTP/"):
                fields[name.strip()] = value.strip()
    anchors = []
    for path in trusted:
        with open(path, "rb") as pem:
            anchors += [c.public_bytes(Encoding.DER)
                        for c in x509.load_pem_x509_certificates(pem.read())]
    with open(body, "rb") as data:
        content = data.read()
    try:
        verified = response_signature.verify(content, fields, trusted=anchors)
    except response_signature.SignatureInvalid as invalid:
        click.echo(f"not verified: {invalid}", err=True)
        sys.exit(1)
    click.echo(f"verified: signed by {verified.signer} at {verified.signed_at.isoformat()}")
    click.echo("chain: " + " <- ".join(verified.chain)
               + ("" if verified.anchored else " (not anchored: no --trust given)"))


@main.group(name="signing-key")
def signing_key():
    """Keys that sign competence answers (SIGNING_KEYS)."""


@signing_key.command("create", with_appcontext=False)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--type", "kind", type=click.Choice(["Ed25519", "P-256"]), default="Ed25519",
              show_default=True)
def signing_key_create(file, kind):
    """Write a new private key to FILE (readable by its owner only; never overwrites) and
    print its key id. Keep it outside the repository; list it first in SIGNING_KEYS."""
    from .edge.signing import load_keys, new_private_key_pem

    try:
        descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise click.ClickException(f"{file} exists already") from None
    with os.fdopen(descriptor, "wb") as out:
        out.write(new_private_key_pem(kind))
    click.echo(load_keys(file)[0][0])


@main.group()
def user():
    """Users who sign in to the web pages."""


@user.command("password")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--org", "organisation", help="Organisation code (provider_admin, consumer_admin).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def user_password(email, role, organisation, password_stdin):
    """Set the web sign-in password of the user with E-MAIL (created with ROLE if missing).
    Asks for the password unless --password-stdin; it is never an argument (shell history)."""
    from .access.actor import system_actor
    from .db.pool import get_conn
    from .governance.users import ensure_user_with_role, set_password

    _check_org_option(role, organisation)
    password = sys.stdin.readline().rstrip("\n") if password_stdin else click.prompt(
        "Password", hide_input=True, confirmation_prompt=True)
    conn = get_conn()
    actor = system_actor(f"cli:{getpass.getuser()}")
    try:
        row = ensure_user_with_role(conn, actor, email=email, role=role,
                                    organisation_code=organisation)
        set_password(conn, actor, row, password)
    except Problem as problem:
        _fail(problem)
    click.echo(f"{email} can sign in at /anmelden")


@main.group()
def search():
    """The full-text search index."""


@search.command("reindex")
@with_appcontext
def search_reindex():
    """Rebuild the search index from the database (the running service switches to it)."""
    from .db.pool import get_conn
    from .search.index import rebuild

    with tqdm(desc="search index", unit="doc", disable=not sys.stderr.isatty(),
              file=sys.stderr) as bar:
        count = rebuild(get_conn(), current_app.config["SEARCH_INDEX_DIR"], progress=bar)
    click.echo(f"indexed {count} documents")


@main.command("export")
@click.option("--format", "fmt", type=click.Choice(["ttl", "nt", "jsonld"]), default="ttl",
              show_default=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export(fmt, out):
    """Write the public catalogue as RDF to OUT (N-Triples and Turtle are streamed)."""
    from .db.pool import get_conn
    from .export.routes import public_graph
    from .export.serialize import STREAMED, serialize, stream

    triples = public_graph(get_conn()).triples()
    with open(out, "w", encoding="utf-8") as f, \
            tqdm(desc="export", unit="chunk", disable=not sys.stderr.isatty(),
                 file=sys.stderr) as bar:
        if fmt in STREAMED:
            for chunk in stream(triples, fmt):
                f.write(chunk)
                bar.update(1)
        else:
            f.write(serialize(triples, fmt))
    click.echo(f"wrote {out}")


@main.group()
def offers():
    """Evidence offers."""


@offers.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check every row, write nothing.")
@with_appcontext
def offers_import(file, dry_run):
    """Import offers from a CSV FILE: all rows or none (see the README for the columns)."""
    from .access.actor import system_actor
    from .catalog.importer import import_offers
    from .db.pool import get_conn
    from .http.csv_input import decode

    try:
        with open(file, "rb") as f:
            text = decode(f.read())
        report = import_offers(get_conn(), system_actor(f"cli:{getpass.getuser()}:import"),
                               text, dry_run=dry_run)
    except Problem as problem:
        _fail(problem)
    verb = "would import" if dry_run else "imported"
    click.echo(f"{verb} {report['rows']} offers")


@main.command()
@click.option("--bind", default="127.0.0.1:8080", show_default=True)
@click.option("--workers", default=4, show_default=True, type=int)
@click.option("--server", type=click.Choice(["granian", "gunicorn"]), default="granian",
              show_default=True, help="granian (a Rust HTTP server) was the faster on every "
              "hot path (bench/servers_bench.py); README 'One machine and many' says what "
              "differs under gunicorn.")
def serve(bind, workers, server):
    """Serve the API with granian or gunicorn (several workers)."""
    config = Config.from_env()
    env = dict(os.environ, DATABASE_URL=resolve_database_url(config))
    # Prometheus multiprocess mode: every worker writes its metrics here, /metrics sums them.
    metrics_dir = os.path.join(config.VAR_DIR, "metrics")
    shutil.rmtree(metrics_dir, ignore_errors=True)
    os.makedirs(metrics_dir)
    env["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    program = shutil.which(server) or os.path.join(os.path.dirname(sys.executable), server)
    if server == "gunicorn":
        os.execve(program, [program, "--config", "python:app.gunicorn_conf", "--bind", bind,
                            "--workers", str(workers), "app.wsgi:app"], env)
    host, _, port = bind.rpartition(":")
    # The hooks of gunicorn_conf live in app/granian_wsgi.py; its access log replaces
    # granian's (which cannot show the request id answered).
    os.execve(program, [program, "--interface", "wsgi", "--host", host.strip("[]") or "127.0.0.1",
                        "--port", port, "--workers", str(workers),
                        "--blocking-threads", str(config.GUNICORN_THREADS),
                        "--respawn-failed-workers", "--no-access-log",
                        "--workers-kill-timeout", "20", "app.granian_wsgi:app"], env)
