"""Generator of the synthetic demo region (see demo/sample.py for the entry points)."""
