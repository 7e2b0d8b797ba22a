"""What to tell users about governance's constraints."""
from ..http.errors import explain_constraints

explain_constraints({"app_user_email_key": "a user with this e-mail exists already"})
