"""One construct per capability of the primary stack."""
