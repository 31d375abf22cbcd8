"""Order lookup in an installation's CRM/ERP (docs/orders.md): models, the connector, what the bot says."""
