"""SLA timers (to come): first-response and resolution deadlines that fire escalations.

Keys it will use, all built in ``keys``: a ``keys.SLA`` item per ticket and target, with the deadline in its
sort key so due timers are found by a range query, written in the same transaction as the ticket change
that starts or stops them. The targets themselves are on the ticket (``Ticket.sla``).
"""
