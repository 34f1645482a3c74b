from .views import app_name  # noqa: F401
from .views import urlpatterns as _pages
from .views_evaluations import urlpatterns as _evaluations

urlpatterns = _pages + _evaluations
