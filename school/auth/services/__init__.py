"""Account writes, one module per topic:

- ``accounts``: email addresses, accounts made on the command line, (de)activation;
- ``invitations``: an account without a password and the emailed link to choose one;
- ``password_changes``: new passwords from a reset link or the account page;
- ``signin``: sign-in around the slow password check, signing out everywhere;
- ``throttle``: the counters that limit sign-in attempts and reset requests;
- ``tokens``: the account links (``AuthToken``) behind invitations and resets.

Services validate first and raise one :class:`DomainError` listing every problem; they flush
and never commit. The request or CLI command commits once; queued email goes out after that.
Code of this package imports from the module that owns a name; the names below are
re-exported for the other domains, the demo school and the bench.
"""

from school.auth.services.accounts import create_user, email_problem, normalize_email
from school.auth.services.invitations import invite_user, send_invitation
from school.auth.services.password_changes import request_password_reset

__all__ = [
    "create_user",
    "email_problem",
    "invite_user",
    "normalize_email",
    "request_password_reset",
    "send_invitation",
]
