"""Every custom action of the assistant, built with its collaborators from the process's wiring."""
from __future__ import annotations

from rasa_sdk import Action

from actions.complaint import (
    ActionAskRemedy,
    ActionConfirmRemedy,
    ActionStartComplaint,
    ValidateComplaintForm,
)
from actions.faq import ActionAnswerFaq
from actions.fault import ActionHandleAccountSecurity, ActionHandleFault, ActionHandlePaymentProblem
from actions.feedback import ActionReturnVisit, ActionSaveRating, ValidateRatingForm
from actions.handoff import (
    ActionAcceptHandoff,
    ActionDeclineHandoff,
    ActionEscalate,
    ActionHandback,
    ActionRequestHuman,
)
from actions.orders import (
    ActionOrderStatus,
    ActionRefundStatus,
    ValidateOrderStatusForm,
    ValidateRefundStatusForm,
)
from actions.suggestion import ActionRecordSuggestion
from actions.triage import ValidateSlotMappings
from bot.wiring import Wiring


def build_actions(wiring: Wiring) -> list[Action]:
    """One instance of every action, sharing the services of ``wiring``."""
    return [
        ActionAnswerFaq(wiring.live_knowledge),
        ValidateSlotMappings(
            wiring.triage_rules,
            wiring.customers,
            wiring.orders,
            escalation_rules=wiring.escalation_rules,
            complaints_in_window=wiring.intake.complaints_in_window,
            past_handoffs=wiring.intake.past_handoffs,
            inbox=wiring.inbox,
        ),
        ActionStartComplaint(wiring.playbook),
        ValidateComplaintForm(wiring.orders, wiring.playbook, wiring.order_access),
        ActionAskRemedy(wiring.playbook),
        ActionConfirmRemedy(wiring.playbook, wiring.tickets),
        ActionRecordSuggestion(wiring.suggestion_router, wiring.tickets, wiring.labels),
        ActionHandleFault(wiring.incidents, wiring.tickets),
        ActionHandleAccountSecurity(wiring.tickets),
        ActionHandlePaymentProblem(wiring.tickets),
        ValidateOrderStatusForm(wiring.orders, wiring.order_access),
        ValidateRefundStatusForm(wiring.orders, wiring.order_access),
        ActionOrderStatus(wiring.orders, wiring.tickets, wiring.order_access),
        ActionRefundStatus(wiring.orders, wiring.order_access),
        ValidateRatingForm(wiring.triage_rules.categories),
        ActionSaveRating(wiring.feedback, wiring.inbox),
        ActionReturnVisit(wiring.tickets),
        ActionRequestHuman(wiring.intake),
        ActionEscalate(wiring.intake, wiring.while_waiting, wiring.inbox),
        ActionAcceptHandoff(wiring.intake, wiring.inbox),
        ActionDeclineHandoff(),
        ActionHandback(),
    ]
