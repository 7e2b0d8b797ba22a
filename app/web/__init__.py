"""The web pages: server-rendered German pages for the people who curate the catalogue and
the authorities who register with it. They call the same domain functions as the API (same
rules, same audit), sign people in with a session cookie and protect every form with a CSRF
token. Every asset is shipped here (templates/, static/); nothing loads from elsewhere.

One module per thing a person does; each registers its pages on `blp` when imported."""
from . import (
               account,
               area_imports,
               catalogue,
               code_lists,
               curation,
               error_pages,
               filters,
               iam_signin,
               onboarding,
               postcodes,
               proposals,
               registration,
               review,
               signin,
)
from .blueprint import blp

PAGE_MODULES = (signin, iam_signin, registration, account, proposals, curation, review, catalogue,
                postcodes, area_imports, code_lists, onboarding, filters, error_pages)

__all__ = ["blp", "PAGE_MODULES"]
