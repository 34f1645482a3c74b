"""The API endpoints added for issue 16 (every screen's action over REST), collected for config/urls.py."""
from inspections.clues import api_actions as clue_actions
from inspections.campaigns import api as draws
from inspections.campaigns import api_revisit as revisit
from inspections.campaigns import api_risk as draw_risk
from inspections.reports import api_exports as exports
from inspections.visits import api_planning as planning
from inspections.reports import api_stats as stats

urlpatterns = (planning.urlpatterns + clue_actions.urlpatterns + draws.urlpatterns + stats.urlpatterns
               + exports.urlpatterns + draw_risk.urlpatterns + revisit.urlpatterns)
