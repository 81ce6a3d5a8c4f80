"""Floor 0: what every stage stands on: project paths, errors, atomic writes, gettext, the
per-plan lock and the run logs. Imports nothing else of ptdv."""
