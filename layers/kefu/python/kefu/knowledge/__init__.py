"""The knowledge base: articles (models, Markdown, imports) and their search index in OpenSearch.

The table is the source of truth (kefu.store.knowledge); the stream keeps the index in step with it
(kefu.knowledge.search). See docs/knowledge-base.md.
"""
