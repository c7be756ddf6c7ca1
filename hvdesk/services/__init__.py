"""Use cases. Each public method is one transaction that writes an audit Event.

Importing the package installs the approval guard (a Session before_flush check), so no code path,
command-line tools included, can mark a visit approved without an active approver.
"""

from hvdesk.services import approval as _approval  # noqa: F401  (installs the guard)
