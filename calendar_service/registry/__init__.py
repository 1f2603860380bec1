"""Registry stage: the YAML file read with positions, its fields and schema,
and the checks of `validate` (quotes, conflicts, coverage)."""
