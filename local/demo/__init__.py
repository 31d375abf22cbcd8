"""Demo data of the local cloud that is more than a few lines: the knowledge base's seed articles."""
