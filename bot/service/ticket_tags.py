"""The tags stored on tickets: English identifiers, matched by code; labels.yml names them (section ``tag``).

The first tag says what kind of ticket it is; a second one, if any, adds a detail.
"""
from __future__ import annotations

CALLBACK = "callback"  # nobody could take a handoff, a person calls back; then the handoff reason
FAULT = "fault"  # then the id of the known incident it matched, if any
ACCOUNT_SECURITY = "account_security"
PAYMENT_PROBLEM = "payment_problem"
ORDER_OVERDUE = "order_overdue"
COMPLAINT = "complaint"  # then the complaint type (complaints.yml)
USER_NEED = "user_need"  # suggestions, unless suggestions.yml names another tag

TAGS = (CALLBACK, FAULT, ACCOUNT_SECURITY, PAYMENT_PROBLEM, ORDER_OVERDUE, COMPLAINT, USER_NEED)
