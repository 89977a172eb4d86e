"""The role vocabulary of the pages: `Scope` (who asks) and the Russian role names.

Defined in data_layer/scope.py, where the scope is enforced; pages take it from here because they
never import the data layer."""

from __future__ import annotations

from data_layer.scope import ROLE_LABELS as ROLE_LABELS
from data_layer.scope import Scope as Scope
