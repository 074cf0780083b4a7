"""What rewards does when an exam's statistics change: computed schemes go stale."""

from .services.schemes import scheme_mark_stale


def exam_stats_changed(sender, exam_id: int, **kwargs) -> None:
    scheme_mark_stale(exam_id=exam_id)
