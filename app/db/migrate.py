"""Alembic, driven from code: `regmap db upgrade|downgrade`, tests and readiness."""
from functools import lru_cache

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory

from ..config import REPO_ROOT
from .pool import sqlalchemy_url

MIGRATIONS_DIR = REPO_ROOT / "migrations"


def alembic_config(database_url=None):
    cfg = AlembicConfig(str(MIGRATIONS_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if database_url:
        # "%" would be read as interpolation by configparser.
        cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(database_url).replace("%", "%%"))
    return cfg


def upgrade(database_url, revision="head"):
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url, revision="base"):
    command.downgrade(alembic_config(database_url), revision)


@lru_cache(maxsize=1)
def head_revision():
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
