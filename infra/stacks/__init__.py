"""The primary stack and the backup-region stack."""
