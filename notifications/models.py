from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# The key in `params` listing the parameters that are themselves msgids (a clue's source, a digest's headings).
TRANSLATED = "_t"


def render(template: str, params: dict, fallback: str) -> str:
    """`template` (a msgid) filled with `params`, in the active language; `fallback` when there is none.

    Stored as the event and its parameters, a notification reads in the reader's language, whatever the
    language of the request that caused it. A template that no longer fits its parameters shows the stored text.
    """
    if not template:
        return fallback
    own = set(params.get(TRANSLATED, ()))
    values = {key: gettext(value) if key in own else value for key, value in params.items()}
    try:
        return gettext(template) % values
    except (KeyError, TypeError, ValueError):
        return fallback


def localized(payload: dict) -> dict:
    """A pushed payload with its title and body rendered in the active language (the receiving socket's)."""
    params = payload.get("params") or {}
    return {**payload, "title": render(payload.get("template", ""), params, payload["title"]),
            "body": render(payload.get("body_template", ""), params, payload.get("body", ""))}


class Notification(models.Model):
    class Email(models.TextChoices):
        NONE = "none", _("不发送")
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        SKIPPED = "skipped", _("已退订")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="notifications", verbose_name=_("接收人"))
    kind = models.CharField(_("类型"), max_length=40)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    # What the title and body are rendered from at read time; `title`/`body` keep the Chinese text (mail, robots).
    template = models.CharField(_("标题模板"), max_length=200, blank=True)
    body_template = models.TextField(_("内容模板"), max_length=500, blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.CASCADE)
    target_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("操作人"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # Set when the step it asked for was done (notifications.rules: what each event settles); then read as well.
    done_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    # The e-mail outbox: stored with the row, so a worker killed after COMMIT loses no mail (run_timers resends).
    email = models.CharField(_("邮件"), max_length=8, choices=Email.choices, default=Email.NONE)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["recipient", "id"]),
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["created_at"], condition=models.Q(email="pending"), name="notification_mail_due"),
            models.Index(fields=["target_type", "target_id", "kind"], condition=models.Q(done_at__isnull=True),
                         name="notification_open_by_target"),
        ]

    def __str__(self):
        return self.title

    @property
    def display_title(self) -> str:
        return render(self.template, self.params or {}, self.title)

    @property
    def display_body(self) -> str:
        return render(self.body_template, self.params or {}, self.body)

    def as_payload(self) -> dict:
        """What a socket receives; `localized` re-renders it in the receiving socket's language."""
        return {
            "id": self.id, "kind": self.kind, "title": self.display_title, "body": self.display_body,
            "template": self.template, "body_template": self.body_template, "params": self.params or {},
            "link": self.link, "created_at": self.created_at.isoformat(),
            "read": self.read_at is not None, "done": self.done_at is not None,
        }


class NotificationPreference(models.Model):
    """Per-user delivery choices; a user without a row gets the defaults (e-mail on)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_preference", verbose_name=_("用户"))
    email_enabled = models.BooleanField(_("接收邮件通知"), default=True)
    digest_enabled = models.BooleanField(_("接收每日汇总"), default=True)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")


class OrganizationWebhook(models.Model):
    """A WeCom / DingTalk group robot that hears what the organisation's members are told."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("企业微信群机器人")
        DINGTALK = "dingtalk", _("钉钉群机器人")

    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE,
                                     related_name="webhooks", verbose_name=_("机构"))
    url = models.URLField(_("Webhook 地址"), max_length=500)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.WECOM)
    markdown = models.BooleanField(_("Markdown 格式"), default=False)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")

    def __str__(self):
        return f"{self.organization} · {self.get_kind_display()}"


class WebhookDelivery(models.Model):
    """One message to one webhook: written with the event, sent after commit, retried with back-off."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    webhook = models.ForeignKey(OrganizationWebhook, on_delete=models.CASCADE, related_name="deliveries")
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("推送记录")
        verbose_name_plural = _("推送记录")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]


class DailyDigest(models.Model):
    """Marks that a user's digest for a day went out, so a re-run sends nothing twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    notification = models.ForeignKey(Notification, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="uniq_daily_digest")]
