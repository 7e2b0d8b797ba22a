"""Where a page may send the browser next (`weiter=`): the password sign-in and the IAM-B
sign-in share this rule."""
import unicodedata


def safe_next(target):
    """Only paths of this site: no open redirect, nothing that could break the Location
    header. Never "//host" or a backslash (scheme-relative URLs), no whitespace, control or
    format characters anywhere: browsers drop tabs and newlines from a Location, so
    "/<TAB>/evil.example" would become "//evil.example"."""
    if not target or len(target) > 2000 or not target.startswith("/") \
            or target[1:2] in ("/", "\\"):
        return None
    if any(c == "\\" or unicodedata.category(c)[0] in "CZ" for c in target):
        return None
    return target
