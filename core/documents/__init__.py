"""Downloadable documents (Markdown and .xlsx, zh and en) rendered from facts.

Renderers: :func:`core.documents.action_checklist.action_checklist`,
:func:`core.documents.execution_template.execution_template`, :func:`core.documents.retro_report.retro_report`
and :func:`core.documents.reuse_template.reuse_template`; inputs live in :mod:`core.documents.models`. This
package file imports nothing so that :mod:`core.retro` can use the models without an import cycle.
"""
