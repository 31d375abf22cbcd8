"""Knowledge base (to come): articles the bot answers from and agents link to.

Keys it will use, all built in ``keys``: ``keys.ARTICLE`` partitions, one per article with its versions as
sort keys (the latest under a fixed one); full-text search lives in OpenSearch, fed from the table's stream,
so the table stays the source of truth.
"""
