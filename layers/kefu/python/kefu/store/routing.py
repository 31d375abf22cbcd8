"""Routing (to come): rules that pick a team or an agent for a new ticket, and per-team queues of tickets
waiting for an agent.

Keys it will use, all built in ``keys``: ``keys.ROUTING`` partitions for the rule set of an inbox and for
each team's waiting queue (sorted by when the ticket entered it); ticket assignment itself stays a ticket
write (``TicketRepository``, pattern 5), so an assignment and its event commit together.
"""
