"""Kefu shared package: domain, repository, channels."""
