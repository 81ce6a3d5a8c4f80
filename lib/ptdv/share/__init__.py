"""Floor 5: sharing the reports: recipients, building and sending e-mail, `ptdv send`.
Imports the floors below."""
