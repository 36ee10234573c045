"""carbonflow.flows."""
