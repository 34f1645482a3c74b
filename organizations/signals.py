"""Memberships change through services, the admin and bulk deletes alike; the
group sync hangs off the model signals so that none of those paths can skip it."""
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Membership
from .services import sync_user_groups


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def membership_changed(sender, instance, **kwargs):
    sync_user_groups(instance.user)
