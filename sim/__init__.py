"""carbonflow.sim."""
