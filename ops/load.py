"""Load an uploaded file (docs/data_contract.md §2): the importer's own operation, all or nothing.

`data_layer.importer.pipeline.load_file` checks the whole file and, only when it is clean, replaces
its partitions, rebuilds the derived table, writes the load journal and the audit entry and bumps
the dataset version — one transaction; a refused file writes only its 'upload_rejected' entry.
It is named here so that every write of the product has its entry point in ops/.
"""

from __future__ import annotations

from data_layer.importer.pipeline import LoadResult, load_file

__all__ = ["LoadResult", "load_file"]
