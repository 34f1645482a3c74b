"""An order's creation and deletion, from any path (services, admin, fixtures), counted in its bucket.

Status changes are counted by the status setter itself (inspections.orders.steps → services.order_moved),
which knows the status before; bulk writes bypass signals and are what `check_rollups --fix` repairs.
"""
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from inspections.models import RectificationOrder

from . import services


@receiver(post_save, sender=RectificationOrder, dispatch_uid="rollup-order-created")
def order_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        services.order_created(order=instance)


@receiver(post_delete, sender=RectificationOrder, dispatch_uid="rollup-order-deleted")
def order_deleted(sender, instance, **kwargs):
    services.order_removed(order=instance)
