"""bench/run's URLs: the site's, plus the framework floor (bench/floor.py) under /bench/floor/.

Used only inside bench/run's own process (bench.common.setup_django sets ROOT_URLCONF to this module
when settings.BENCH_FLOOR is on); the served site never mounts the floor.
"""
from django.urls import include, path

from config.urls import urlpatterns as site_urlpatterns

urlpatterns = [path("bench/floor/", include("bench.floor")), *site_urlpatterns]
