"""Signals other apps listen to, so that exams never imports them (apps are layered:
schools < exams < inspections < targets < rewards < reports).

``stats_computed`` is sent after an exam's statistics were stored, once the transaction that
stored them has committed, with ``exam_id``. Receivers queue their own work (target progress,
a reward scheme going stale); they must not raise: a receiver's failure is logged and never
undoes or hides the statistics.
"""

from django.dispatch import Signal

stats_computed = Signal()
