"""Pages of the bulletins (简报)."""

from . import views

app_name = "reports"

urlpatterns = [*views.urlpatterns]
