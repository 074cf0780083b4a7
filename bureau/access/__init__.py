"""Who sees what: the one place that decides (DESIGN.md, "Access in one place").

Every view, API viewset and export takes its querysets from here. A lookup of one object by a
code or id from user input goes through a ``*_get_for`` selector, which raises ``Http404``
both when the object does not exist and when it is not the user's to see, so that the two
answers are indistinguishable.

Roles (DESIGN.md):
- admin and staff see and manage everything; leaders see everything, read-only;
- inspectors see every school's aggregates and teachers, and student rows only of the
  schools of their submitted visits of the current or previous term (``students``);
- principals see their own school in full and other schools only as county aggregates.
"""

from .exams import AGGREGATES, can_upload_results, exam_get_for, exam_stats_school_ids, exams_for
from .roles import (
    ALL_SEEING,
    MANAGERS,
    assert_can,
    is_admin,
    is_manager,
    own_school_id,
    role_of,
    sees_all_schools,
)
from .schools import (
    can_change_school,
    classes_for,
    exchanges_for,
    school_get_for,
    school_records_for,
    schools_for,
    teacher_get_for,
    teachers_for,
)
from .students import (
    inspection_window_start,
    may_see_students_of,
    scope_by_school,
    student_school_ids,
    students_for,
    visited_school_ids,
)
from .targets import (
    BOARD_READERS,
    TARGET_MANAGERS,
    can_acknowledge,
    can_confirm_entry,
    can_download_letter,
    can_enter_indicator,
    can_manage_targets,
    can_see_board,
    target_get_for,
    target_school_ids,
    targets_for,
)

__all__ = [
    "BOARD_READERS",
    "TARGET_MANAGERS",
    "can_acknowledge",
    "can_confirm_entry",
    "can_download_letter",
    "can_enter_indicator",
    "can_manage_targets",
    "can_see_board",
    "target_get_for",
    "target_school_ids",
    "targets_for",
    "AGGREGATES",
    "ALL_SEEING",
    "MANAGERS",
    "assert_can",
    "can_change_school",
    "can_upload_results",
    "classes_for",
    "exam_get_for",
    "exam_stats_school_ids",
    "exams_for",
    "exchanges_for",
    "inspection_window_start",
    "is_admin",
    "is_manager",
    "may_see_students_of",
    "own_school_id",
    "role_of",
    "school_get_for",
    "school_records_for",
    "schools_for",
    "scope_by_school",
    "student_school_ids",
    "students_for",
    "sees_all_schools",
    "teacher_get_for",
    "teachers_for",
    "visited_school_ids",
]
