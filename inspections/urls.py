"""Pages of the 督导 domain. Each views module keeps its own ``urlpatterns``."""

from inspections.views import accountability as views_accountability
from inspections.views import checklists as views_checklists
from inspections.views import records as views_records
from inspections.views import rectifications as views_tasks
from inspections.views import visits as views_visits

app_name = "inspections"

urlpatterns = [
    *views_visits.urlpatterns,
    *views_records.urlpatterns,
    *views_tasks.urlpatterns,
    *views_checklists.urlpatterns,
    *views_accountability.urlpatterns,
]
