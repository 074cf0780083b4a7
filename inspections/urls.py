"""Pages of the 督导 domain. Each views module keeps its own ``urlpatterns``."""

from . import (
    views_accountability,
    views_checklists,
    views_records,
    views_tasks,
    views_visits,
)

app_name = "inspections"

urlpatterns = [
    *views_visits.urlpatterns,
    *views_records.urlpatterns,
    *views_tasks.urlpatterns,
    *views_checklists.urlpatterns,
    *views_accountability.urlpatterns,
]
