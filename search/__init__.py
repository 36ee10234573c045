"""carbonflow.search."""
