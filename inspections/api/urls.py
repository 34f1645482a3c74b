"""The API endpoints added for issue 16 (every screen's action over REST), collected for config/urls.py."""
from inspections.api import clue_actions, draw_risk, draws, exports, planning, revisit, stats

urlpatterns = (planning.urlpatterns + clue_actions.urlpatterns + draws.urlpatterns + stats.urlpatterns
               + exports.urlpatterns + draw_risk.urlpatterns
               + revisit.urlpatterns)
