"""The only code that writes complaints, one module per job:

- intake.py          a complaint from any channel becomes a case (reference, client, assignee, clocks)
- handling.py        triage, assignment, transitions, comments, goodwill
- clocks.py          targets and due times on the business calendar, pause/resume, first response, reopening
- escalation.py      breaches and warnings recorded once and told to the assignee and supervisors
- surveys.py         the satisfaction survey sent on resolving (token, link, message)
- survey_answers.py  the client's answer; a low score reopens the case
- triage.py          whose an anonymous complaint is: staff confirm or reject the suggested client
- inbound.py         raw emails: new complaints once per Message-ID, replies on a quoted reference
- routing.py, access.py, events.py   default assignee, priority, cost and supervisors; who may handle;
                     the event log

Callers import this package (`from complaints import services`); the submodules import each other directly
and never this file.
"""

from .access import can_act_on, may_handle
from .clocks import target_hours
from .escalation import escalate_breaches
from .handling import comment_add, complaint_assign, complaint_transition, complaint_triage, goodwill_add
from .inbound import client_reply_add, complaint_create_from_email
from .intake import complaint_create
from .routing import handling_cost_for
from .survey_answers import LOW_SCORE, survey_answer
from .triage import complaint_match_confirm, complaint_match_reject

__all__ = [
    "LOW_SCORE",
    "can_act_on",
    "may_handle",
    "client_reply_add",
    "comment_add",
    "complaint_assign",
    "complaint_create",
    "complaint_create_from_email",
    "complaint_match_confirm",
    "complaint_match_reject",
    "complaint_transition",
    "complaint_triage",
    "escalate_breaches",
    "goodwill_add",
    "handling_cost_for",
    "survey_answer",
    "target_hours",
]
