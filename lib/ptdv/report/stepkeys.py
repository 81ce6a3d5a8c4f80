"""What each step of the pipeline depends on: its key (see ptdv.base.steps), and where the
keys are recorded.

Light to import (no pydantic, no pandas): `ptdv run` tells whether a plan's cleaning will
run, and then launches its kernel, before it loads the plan's card and the pipeline.
"""

from __future__ import annotations

from ptdv.base import paths

#: The record of the steps done for a plan, in its processed folder (see ptdv.base.steps).
STEPS_FILE = "steps.json"


class StepKeys:
    """The keys of a plan's steps: what each step's output depends on, by SHA-256.

    - clean: the card, every file under data/raw/<plan>/, notebooks/01_clean.ipynb and the
      code of the floors that clean (base, plan, tables);
    - progress: the clean key, the period, notebooks/02_progress.ipynb and that code plus
      progress.py;
    - reports: the progress key, the parameters (units, formats, language),
      notebooks/03_report.ipynb and the whole package (templates and catalogues included).

    All of them include ptdv's version and the installed packages (ptdv.base.steps).
    """

    def __init__(self, plan_id: str) -> None:
        self.plan_id = plan_id

    def _notebook(self, name: str) -> str:
        from ptdv.base.steps import file_sha256

        return file_sha256(paths.notebooks_dir() / name)

    def clean(self) -> str:
        from ptdv.base.steps import code_sha256, file_sha256, step_key, tree_sha256

        return step_key(
            {
                "step": "clean",
                "plan_id": self.plan_id,
                "card": file_sha256(paths.plan_card_path(self.plan_id)),
                "raw": tree_sha256(paths.raw_dir(self.plan_id)),
                "notebook": self._notebook("01_clean.ipynb"),
                "code": code_sha256("__init__.py", "base", "plan", "tables"),
            }
        )

    def progress(self, clean_key: str, period: str) -> str:
        from ptdv.base.steps import code_sha256, step_key

        return step_key(
            {
                "step": "progress",
                "clean": clean_key,
                "period": period,
                "notebook": self._notebook("02_progress.ipynb"),
                "code": code_sha256("__init__.py", "base", "plan", "tables", "progress.py"),
            }
        )

    def report(
        self, progress_key: str, period: str, units: list[str] | None, fmt: tuple[str, ...],
        lang: str, plan_lang: str, appendix: bool = False, unit_svg: bool = False,
    ) -> str:  # fmt: skip
        from ptdv.base.steps import code_sha256, step_key

        return step_key(
            {
                "step": "reports",
                "progress": progress_key,
                "period": period,
                "units": units or ["all"],
                "formats": list(fmt),
                "lang": lang,
                "plan_language": plan_lang,
                "appendix": appendix,
                "unit_svg": unit_svg,
                "notebook": self._notebook("03_report.ipynb"),
                "code": code_sha256("."),
            }
        )
