"""Customer satisfaction (to come): one survey answer per resolved ticket.

Keys it will use, all built in ``keys``: the answer under the ticket's own partition (``keys.CSAT`` sort-key
prefix), so a ticket and its rating are read together; the answer is conditional on no earlier one, so a
customer rates a ticket once.
"""
