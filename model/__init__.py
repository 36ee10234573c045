"""carbonflow.model."""
