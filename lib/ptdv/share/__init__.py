"""Floor 5: sharing the reports: recipients, building and sending e-mail, `ptdv send`.
Imports the floors below."""

#: Whom `ptdv send --to` can send to (here, so that the command line knows them without
#: importing pandas: `ptdv --help` and a run with nothing to do stay fast).
TO_CHOICES = ("federation", "units", "missing", "all")
