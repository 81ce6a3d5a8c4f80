"""Floor 1: the plan: metrics, periods and plan cards. Imports only `ptdv.base`."""
