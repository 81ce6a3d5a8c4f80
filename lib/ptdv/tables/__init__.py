"""Floor 2: tables as they come, made tidy: numbers, unit names, reading grids and headers,
checks, cleaning, unit forms, `ptdv inspect`. Imports `ptdv.plan` and `ptdv.base`."""
