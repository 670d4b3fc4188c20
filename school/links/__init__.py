"""Links sent by email that act without signing in.

- :mod:`school.links.tokens`: the mechanics every emailed link shares, the account links of
  auth (invitations, password resets) included: the secret and its digest, the usability
  check, its messages and exception, the guarded use, the links this browser opened.
- :mod:`school.links.emailed`: the links that act on a batch of records (hour
  confirmations, employment verifications), their tables and purposes.

The names below are re-exported for the domains that use emailed links.
"""

from school.links.emailed import (
    EmailedLink,
    EmailedLinkItem,
    LinkPurpose,
    check_link,
    consume_link,
    issue_link,
    load_link,
    load_opened_link,
    open_link_page,
)
from school.links.tokens import LINK_MESSAGES as MESSAGES
from school.links.tokens import LinkInvalid, remember_opened, require_opened

__all__ = [
    "MESSAGES",
    "EmailedLink",
    "EmailedLinkItem",
    "LinkInvalid",
    "LinkPurpose",
    "check_link",
    "consume_link",
    "issue_link",
    "load_link",
    "load_opened_link",
    "open_link_page",
    "remember_opened",
    "require_opened",
]
