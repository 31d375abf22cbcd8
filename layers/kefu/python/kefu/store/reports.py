"""Reports (to come): counters kept up to date by the stream function, never scans over tickets.

Keys it will use, all built in ``keys``: ``keys.COUNTER`` partitions per metric and day (e.g. tickets created
per inbox), with sort keys per dimension, incremented with atomic ``ADD`` updates.
"""
