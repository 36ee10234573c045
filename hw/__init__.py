"""carbonflow.hw."""
