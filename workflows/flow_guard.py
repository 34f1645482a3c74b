"""Object-level visibility for viewflow's own pages of a flow app (process, task, chart, lists).

viewflow checks flow-wide permissions only: its task pages load a task by its
pk alone (the URL's process pk is used just for locking), the kanban dashboard
and the bulk assign/unassign forms read the whole task table, and the node
`can_view` asks the flow without the object. A flow app that mixes in
`GuardedFlowAppMixin` and says which processes a user may see gets, on every
URL that names a process:

- anonymous → the login page (302), as everywhere else in the site (every URL of the app);
- a process the user may not see, or a task that is not of that process and
  that node → 404 (no existence leak, DESIGN.md);

and lists (dashboard, inbox, queue, archive, process and task lists, bulk
actions) limited to the visible processes. New nodes are covered on their own,
because the guard wraps whatever URL patterns the flow produces.
"""
from functools import update_wrapper

from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import URLPattern, URLResolver
from guardian.core import ObjectPermissionChecker
from viewflow.utils import viewprop
from viewflow.workflow import STATUS, chart
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.flow import views as flow_views
from viewflow.workflow.managers import _get_related_path
from viewflow.workflow.models import Process

from config.params import id_or_404
from organizations import access_cache


def _visible_task(viewset, user, process_pk, task_pk, node_name):
    """Raise Http404 unless the process is visible and the task (if any) is that node's task of it."""
    if not viewset.visible_processes(user).filter(pk=process_pk).exists():
        raise Http404("no such process")
    if task_pk is None:
        return
    task = viewset.flow_task_class().objects.filter(pk=task_pk, process_id=process_pk).first()
    if task is None or (node_name and task.flow_task.name != node_name):
        raise Http404("no such task")


def _guarded(view, viewset, node_name):
    def guarded(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if "process_pk" in kwargs:  # an id beyond 64 bits is no id (SQLite raised OverflowError): 404
            task_pk = kwargs.get("task_pk")
            _visible_task(viewset, request.user, id_or_404(kwargs["process_pk"]),
                          None if task_pk is None else id_or_404(task_pk), node_name)
        return view(request, *args, **kwargs)

    update_wrapper(guarded, view)
    guarded.flow_guarded = True
    return guarded


def guard_patterns(patterns, viewset, node_name=None) -> int:
    """Wrap, in place, every pattern below `patterns` (login; visibility where the route names a process)."""
    wrapped = 0
    for entry in patterns:
        if isinstance(entry, URLResolver):
            wrapped += guard_patterns(entry.url_patterns, viewset, entry.namespace or node_name)
        elif isinstance(entry, URLPattern):
            if not getattr(entry.callback, "flow_guarded", False):
                entry.callback = _guarded(entry.callback, viewset, node_name)
            wrapped += 1
    return wrapped


# --- lists limited to the visible processes (each reads `viewset.visible_processes`)

class _Scoped:
    viewset = None  # handed in by the flow app (as_view accepts only declared attributes)


def _row_relations(flow_class) -> list[str]:
    # What a task row shows besides its own columns: the owner, and the process as the flow's own
    # subclass (`task.brief` and the process summary read `process.coerced`); without these, a query per row.
    subclass = _get_related_path(flow_class.process_class, Process)
    return ["owner", "process"] + ([f"process__{subclass}"] if subclass else [])


def _visible_tasks(view, queryset):
    visible = view.viewset.visible_processes(view.request.user).values("pk")
    return queryset.filter(process__in=visible).select_related(*_row_relations(view.viewset._flow_class))


def _permission_checker(user, tasks) -> tuple[ObjectPermissionChecker, dict]:
    """A guardian checker holding the user's grants on the tasks' permission objects, and those objects
    by (content type id, pk): three queries for a whole board instead of two per card."""
    checker, objects = ObjectPermissionChecker(user), {}
    wanted: dict[int, set[str]] = {}
    for task in tasks:
        if task.owner_permission_content_type_id and task.owner_permission_obj_pk:
            wanted.setdefault(task.owner_permission_content_type_id, set()).add(task.owner_permission_obj_pk)
    for ctype_id, pks in wanted.items():
        rows = list(ContentType.objects.get_for_id(ctype_id).model_class()._base_manager.filter(pk__in=pks))
        checker.prefetch_perms(rows)
        objects.update({(ctype_id, str(row.pk)): row for row in rows})
    return checker, objects


def _may_assign(user, checker, objects, task) -> bool:
    """viewflow's View.can_assign, asked of the permission object stored on the task when it was created
    (by the same node callable; the queue pages route by it too) and of the prefetched grants."""
    if task.owner_id or not user.is_authenticated:
        return False
    if not task.owner_permission:
        return True
    obj = objects.get((task.owner_permission_content_type_id, task.owner_permission_obj_pk))
    return (obj is not None and checker.has_perm(task.owner_permission, obj)) or user.has_perm(task.owner_permission)


def mark_card_actions(user, tasks) -> None:
    """Set `card_action` on each task: the one button its kanban card shows, in viewflow's order
    (execute, else assign, else view). View needs no check per card: the board holds visible processes
    only, and the flows' has_view_permission(user, process) answers visibility (rectification) or the
    flow-wide right the board's own dispatch has already checked (clue)."""
    checker, objects = _permission_checker(user, tasks)
    for task in tasks:
        node = task.flow_task
        if hasattr(node, "can_execute") and node.can_execute(user, task):
            task.card_action = "execute"
        elif hasattr(node, "can_assign") and _may_assign(user, checker, objects, task):
            task.card_action = "assign"
        else:
            task.card_action = "view" if hasattr(node, "can_view") else ""


class GuardedDashboardView(flow_views.DashboardView):
    """viewflow's kanban with only the visible processes' tasks (upstream reads the whole flow), at a
    constant number of queries: its template reads each card's button from `card_action` instead of
    asking viewflow's per-card filters (two permission queries and a visibility query per card)."""

    template_name = "workflows/flow_dashboard.html"

    def _tasks(self):
        manager = self.flow_class.task_class._default_manager
        return _visible_tasks(self, manager.filter_available([self.flow_class], self.request.user))

    def get_context_data(self, **kwargs):
        sorted_nodes, _ = chart.topsort(self.flow_class)
        nodes = [n for n in sorted_nodes if n.task_type in ["HUMAN", "JOB", "SUBPROCESS"]]
        end_nodes = [n for n in sorted_nodes if n.task_type in ["END"]]
        tasks, is_open = self._tasks(), Q(finished__isnull=True) | Q(status=STATUS.ERROR)
        columns = [{"node": node, "node_ref": get_task_ref(node),
                    "tasks": list(tasks.filter(is_open, flow_task=node)[: self.MAX_ROWS])} for node in nodes]
        mark_card_actions(self.request.user, [task for column in columns for task in column["tasks"]])
        start_nodes = [{"node": node, "can_execute": node.can_execute(self.request.user)}
                       for node in self.flow_class.instance.get_start_nodes()]
        finished = tasks.filter(finished__isnull=False, flow_task__in=end_nodes)[: self.MAX_ROWS]
        # TemplateView's own context (skipping DashboardView's, which would query the unfiltered table)
        return super(flow_views.DashboardView, self).get_context_data(
            columns=columns, start_nodes=start_nodes, end_nodes=end_nodes, finished=finished, **kwargs)


class GuardedProcessList(_Scoped, flow_views.DashboardProcessListView):
    def get_queryset(self):
        visible = self.viewset.visible_processes(self.request.user).values("pk")
        return super().get_queryset().filter(pk__in=visible).order_by("-created", "-pk")


class GuardedProcessDetail(_Scoped, flow_views.DetailProcessView):
    def get_queryset(self):
        return super().get_queryset().filter(pk__in=self.viewset.visible_processes(self.request.user).values("pk"))


class GuardedTaskList(_Scoped, flow_views.DashboardTaskListView):
    @viewprop
    def queryset(self):
        return _visible_tasks(self, super().queryset)


class GuardedInbox(_Scoped, flow_views.FlowInboxListView):
    @viewprop
    def queryset(self):
        return _visible_tasks(self, super().queryset)


class GuardedQueue(_Scoped, flow_views.FlowQueueListView):
    @viewprop
    def queryset(self):
        return _visible_tasks(self, super().queryset)


class GuardedArchive(_Scoped, flow_views.FlowArchiveListView):
    @viewprop
    def queryset(self):
        return _visible_tasks(self, super().queryset)


class _GuardedBulk(_Scoped):
    def get_queryset(self):
        # upstream reads the unscoped Task table by the posted pks: show and touch only this flow's visible tasks
        manager = self.viewset.flow_task_class()._default_manager
        self.queryset = _visible_tasks(self, manager.filter(process__flow_class=self.viewset._flow_class))
        return super().get_queryset()


class GuardedBulkAssign(_GuardedBulk, flow_views.BulkAssignTasksActionView):
    pass


class GuardedBulkUnassign(_GuardedBulk, flow_views.BulkUnassignTasksActionView):
    pass


class GuardedFlowAppMixin:
    """Mix into a FlowAppViewset before it; define `visible_processes(user)` (a queryset of the process model)."""

    dashboard_view_class = GuardedDashboardView
    process_list_view_class = GuardedProcessList
    process_detail_view_class = GuardedProcessDetail
    task_list_view_class = GuardedTaskList
    inbox_view_class = GuardedInbox
    queue_view_class = GuardedQueue
    archive_view_class = GuardedArchive
    tasks_assign_view_class = GuardedBulkAssign
    tasks_unassign_view_class = GuardedBulkUnassign

    def visible_processes(self, user) -> QuerySet:
        raise NotImplementedError

    def has_view_permission(self, user, obj=None):
        # Anonymous requests pass viewflow's SiteMiddleware (which would answer 403) so that
        # the guard sends them to the login page like every other page of the site.
        if not user.is_authenticated:
            return True
        if obj is not None:
            return super().has_view_permission(user, obj=obj)
        # The flow-wide answer is asked by every shell page's menu: once per request, cached per user.
        return access_cache.remembered(user, f"flow-app:{type(self).__name__}",
                                       lambda: super(GuardedFlowAppMixin, self).has_view_permission(user))

    def flow_task_class(self):
        return self._flow_class.task_class

    def _get_urls(self):
        patterns = super()._get_urls()
        guard_patterns(patterns, self)
        return patterns
