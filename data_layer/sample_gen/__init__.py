"""Generator of the synthetic demo region (see data_layer/sample.py for the entry points)."""
