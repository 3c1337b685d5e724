"""The sentences of the activity feed, one per audit action: ``audit.wording`` fills them in.

Each action has a plain label, said when an event holds no more detail, and where its data
names what it was taken on, a sentence with those details (``%(title)s``, ``%(budget)s``…).
A new action adds its label here; without one, the feed shows its code.
"""

from django.utils.translation import gettext_lazy

#: What each action says when its data gives no more detail (old events, unknown shapes).
ACTION_LABELS = {
    "organisation.updated": gettext_lazy("changed the organisation's settings"),
    "client.updated": gettext_lazy("changed a client's details"),
    "member.role_changed": gettext_lazy("changed a member's role"),
    "project.created": gettext_lazy("created the project"),
    "project.updated": gettext_lazy("changed the project's details"),
    "project_access.granted": gettext_lazy("gave project access"),
    "milestone.added": gettext_lazy("added a milestone"),
    "milestone.updated": gettext_lazy("changed a milestone"),
    "milestone.removed": gettext_lazy("removed a milestone"),
    "milestone.moved": gettext_lazy("reordered the milestones"),
    "plan.proposed": gettext_lazy("proposed the plan"),
    "plan.withdrawn": gettext_lazy("withdrew the proposal"),
    "plan.accepted": gettext_lazy("accepted the plan (baseline v1)"),
    "plan.declined": gettext_lazy("declined the plan"),
    "change_order.drafted": gettext_lazy("drafted a change order"),
    "change_order.updated": gettext_lazy("changed a draft change order"),
    "change_order.deleted": gettext_lazy("deleted a draft change order"),
    "change_order.rebased": gettext_lazy("rebased a change order on the current plan"),
    "change_order.proposed": gettext_lazy("proposed a change order"),
    "change_order.withdrawn": gettext_lazy("withdrew a change order"),
    "change_order.accepted": gettext_lazy("accepted a change order"),
    "change_order.declined": gettext_lazy("declined a change order"),
    "change_order.revised": gettext_lazy("took a change order back into draft"),
    "change_order.requested": gettext_lazy("asked for a change order"),
    "change_order.request_declined": gettext_lazy("declined a request for a change order"),
    "milestone.revision_bought": gettext_lazy("bought an extra revision"),
    "template.updated": gettext_lazy("changed a template"),
    "milestone.started": gettext_lazy("started a milestone"),
    "milestone.prepaid": gettext_lazy("received the prepayment of a milestone"),
    "milestone.delivered": gettext_lazy("delivered a milestone for review"),
    "deliverable.verdict": gettext_lazy("tested a deliverable"),
    "milestone.changes_requested": gettext_lazy("asked for changes"),
    "milestone.revision_granted": gettext_lazy("granted an extra revision"),
    "milestone.approved": gettext_lazy("approved a milestone"),
    "milestone.closed": gettext_lazy("closed a milestone's support window"),
    "support_request.filed": gettext_lazy("filed a support request"),
    "support_request.resolved": gettext_lazy("resolved a support request"),
    "project.completed": gettext_lazy("completed the project"),
    "invoice.issued": gettext_lazy("issued an invoice"),
    "invoice.voided": gettext_lazy("voided an invoice"),
    "credit_note.issued": gettext_lazy("issued a credit note"),
    "invoice.credited": gettext_lazy("credited part of an invoice"),
    "payment.recorded": gettext_lazy("recorded a payment"),
    "payment.reversed": gettext_lazy("reversed a payment"),
    "milestone.prepayment_reversed": gettext_lazy(
        "put a milestone back to wait for its prepayment (payment reversed)"
    ),
    "project.put_on_hold": gettext_lazy("put the project on hold"),
    "project.resumed": gettext_lazy("resumed the project"),
    "project.cancelled": gettext_lazy("cancelled the project"),
    "project.deleted": gettext_lazy("deleted the draft project"),
    "project_access.changed": gettext_lazy("changed someone's project access"),
    "project_access.removed": gettext_lazy("removed someone's project access"),
    "invitation.resent": gettext_lazy("resent an invitation"),
    "invitation.revoked": gettext_lazy("revoked an invitation"),
    "contact.removed": gettext_lazy("removed a contact from the client"),
}

#: The same actions said with the details their data holds; used when every detail is there.
SENTENCES = {
    "project_access.granted": gettext_lazy("gave %(email)s project access as %(role)s"),
    "milestone.added": gettext_lazy("added milestone %(position)s “%(title)s” (%(budget)s)"),
    "milestone.updated": gettext_lazy("changed milestone %(position)s “%(title)s”"),
    "milestone.removed": gettext_lazy("removed milestone %(position)s “%(title)s” (%(budget)s)"),
    "milestone.moved": gettext_lazy("moved “%(title)s” from position %(old)s to %(new)s"),
    "plan.proposed": gettext_lazy("proposed the plan (%(total)s)"),
    "milestone.started": gettext_lazy("started milestone %(position)s “%(title)s”"),
    "milestone.prepaid": gettext_lazy(
        "received the prepayment of milestone %(position)s “%(title)s”"
    ),
    "milestone.delivered": gettext_lazy("delivered milestone %(position)s “%(title)s” for review"),
    "milestone.changes_requested": gettext_lazy(
        "asked for changes to milestone %(position)s “%(title)s”"
    ),
    "milestone.revision_granted": gettext_lazy(
        "granted an extra revision on milestone %(position)s “%(title)s”"
    ),
    "milestone.approved": gettext_lazy("approved milestone %(position)s “%(title)s”"),
    "milestone.closed": gettext_lazy(
        "closed the support window of milestone %(position)s “%(title)s”"
    ),
    "support_request.filed": gettext_lazy(
        "filed a support request on milestone %(position)s “%(title)s”"
    ),
    "invoice.issued": gettext_lazy("issued invoice %(number)s (%(gross)s)"),
    "invoice.voided": gettext_lazy("voided invoice %(number)s"),
    "credit_note.issued": gettext_lazy("issued credit note %(number)s for %(cancels)s"),
    "invoice.credited": gettext_lazy("credited %(amount)s on invoice %(number)s"),
    "payment.recorded": gettext_lazy("recorded a payment of %(amount)s on %(invoice)s"),
    "deliverable.verdict": gettext_lazy(
        "marked “%(deliverable)s” of milestone %(position)s %(verdict)s in v%(delivery)s"
    ),
    "payment.reversed": gettext_lazy("reversed the payment of %(amount)s on %(invoice)s"),
    "project_access.changed": gettext_lazy("changed the project access of %(email)s to %(role)s"),
    "project_access.removed": gettext_lazy("removed the project access of %(email)s"),
    "invitation.resent": gettext_lazy("resent the invitation to %(email)s"),
    "invitation.revoked": gettext_lazy("revoked the invitation to %(email)s"),
    "contact.removed": gettext_lazy("removed %(email)s from the contacts of %(client)s"),
    # %(change_order)s: "CO-2 · Add a blog section" (audit.wording.change_order_name).
    "change_order.drafted": gettext_lazy("drafted %(change_order)s"),
    "change_order.updated": gettext_lazy("changed the draft %(change_order)s"),
    "change_order.deleted": gettext_lazy("deleted the draft %(change_order)s"),
    "change_order.rebased": gettext_lazy("rebased %(change_order)s on the current plan"),
    "change_order.proposed": gettext_lazy("proposed %(change_order)s"),
    "change_order.withdrawn": gettext_lazy("withdrew %(change_order)s"),
    "change_order.accepted": gettext_lazy("accepted %(change_order)s"),
    "change_order.declined": gettext_lazy("declined %(change_order)s"),
    "change_order.revised": gettext_lazy("took %(change_order)s back into draft"),
}
#: Entries written before a milestone's title was recorded name it by its position.
BY_POSITION = {
    "deliverable.verdict": gettext_lazy(
        "tested a deliverable of milestone %(position)s: %(verdict)s"
    ),
    "milestone.updated": gettext_lazy("changed milestone %(position)s"),
    "milestone.started": gettext_lazy("started milestone %(position)s"),
    "milestone.prepaid": gettext_lazy("received the prepayment of milestone %(position)s"),
    "milestone.delivered": gettext_lazy("delivered milestone %(position)s for review"),
    "milestone.changes_requested": gettext_lazy("asked for changes to milestone %(position)s"),
    "milestone.revision_granted": gettext_lazy(
        "granted an extra revision on milestone %(position)s"
    ),
    "milestone.approved": gettext_lazy("approved milestone %(position)s"),
    "milestone.closed": gettext_lazy("closed the support window of milestone %(position)s"),
    "support_request.filed": gettext_lazy("filed a support request on milestone %(position)s"),
}
