"""Signals other apps listen to, so that schools never imports them (apps are layered:
schools < exams < inspections < targets < rewards < reports).

``roster_changed`` is sent when a roster import has committed (after the transaction), with
``user`` (None from the command line). Receivers queue their own work (registry targets'
progress); a receiver's failure is logged and never undoes the import.
"""

from django.dispatch import Signal

roster_changed = Signal()
