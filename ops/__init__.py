"""Write operations, below the UI and the command line: every change of stored state is one
transaction holding the change, its audit entry (docs/domain.md §10) and, where the change feeds a
cached figure, the dataset-version bump that invalidates the caches.

- `transaction` — the one transaction helper all operations use;
- `criteria`    — save / publish / discard a criteria draft;
- `settings`    — targets, risk thresholds and the headline indicator, custom indicators;
- `reconciliation` — confirm or return the ФИС ФРДО reconciliation;
- `cases`       — risk cases: measures, their outcomes, the measure catalogue, N weeks;
- `loads`       — undo the latest load of a college and kind;
- `users`       — account changes of `vypusk users` (credentials file + audit entry).

Loading a file is the importer's own operation (data_layer/importer/pipeline.py), with the same
all-or-nothing rule. Pages and commands call these functions; they never open a transaction
themselves.
"""
