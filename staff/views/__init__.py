"""The staff area (/handlaggare/), one module per screen.

Only members of the Handläggare group get in (``portal.permissions.staff_required``): everyone else
gets 404, and anonymous visitors are sent to sign in. Views are thin: load through a selector,
validate a form, call one service, turn its errors into form errors, redirect.
"""
