"""Routing: rules that classify and prioritise tickets (``rules``) and the waiting queue with its atomic
claim (``queue``). Both are pure domain code: the store keeps their records, the services apply them."""
