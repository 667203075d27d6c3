"""Offline narrators: deterministic zh/en writers of the AI sections, used whenever the model is not.

Each module ``core.narrators.<section>`` holds a pure function ``(facts, language) -> <core.ai.sections
schema>`` that only writes numbers found in the facts (the number guard in
:func:`core.ai.number_guard.find_ungrounded_numbers` passes on its output). Import the submodules directly;
this package file imports nothing so that sections stay independent.
"""
