"""Payment (Art. 13): the contractor's invoice, its three signatures, and the settlement."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from fundadmin.models import MONEY
from fundadmin.roles import Role

from .project import Project


class Invoice(models.Model):
    project = models.OneToOneField(Project, on_delete=models.PROTECT, related_name="invoice")
    number = models.CharField("发票号码", max_length=40)
    issued_on = models.DateField("开票日期")
    amount = models.DecimalField("发票金额（元）", **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    issuer = models.CharField("开票单位", max_length=100)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "发票"
        verbose_name_plural = "发票"

    def __str__(self) -> str:
        return f"发票 {self.number}"


class Signature(models.Model):
    """One of the three invoice signatures, in order (Art. 13), with the role held at that moment:
    ``role_assignment`` is the assignment whose role was signed in — the principal's, when an
    acting leader signs (``acting``, ``acting_for_name``): 张德明代李伟."""

    ORDER_ROLES = {1: Role.COMMUNITY_SECRETARY, 2: Role.CONSTRUCTION_DIRECTOR, 3: Role.COMMITTEE_SECRETARY}

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="signatures")
    order = models.PositiveSmallIntegerField("顺序", validators=[MinValueValidator(1), MaxValueValidator(3)])
    role = models.CharField("签字身份", max_length=32, choices=Role.choices)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role_assignment = models.ForeignKey("fundadmin.RoleAssignment", on_delete=models.PROTECT, related_name="+")
    acting = models.ForeignKey(
        "fundadmin.ActingAssignment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="代行职责",
    )
    acting_for_name = models.CharField("代行对象", max_length=100, blank=True)
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "发票签字"
        verbose_name_plural = "发票签字"
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "order"], name="signature_order_unique"),
            models.UniqueConstraint(fields=["invoice", "signer"], name="signature_signers_distinct"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.get_role_display()} {self.signed_by}"

    @property
    def signed_by(self) -> str:
        """张德明代李伟 for an acting leader's signature, else the signer's name."""
        name = self.signer.display_name
        return f"{name}代{self.acting_for_name}" if self.acting_for_name else name


class Settlement(models.Model):
    """Payment made directly to the contractor or payee by finance staff (Art. 13)."""

    class Method(models.TextChoices):
        TRANSFER = "transfer", "银行转账"
        CHEQUE = "cheque", "支票"
        CASH = "cash", "现金"

    project = models.OneToOneField(Project, on_delete=models.PROTECT, related_name="settlement")
    amount = models.DecimalField("结算金额（元）", **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    paid_on = models.DateField("付款日期")
    method = models.CharField("付款方式", max_length=10, choices=Method.choices)
    reference = models.CharField("付款凭据号", max_length=60)
    payee = models.CharField("收款方", max_length=100)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "结算"
        verbose_name_plural = "结算"
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="settlement_positive")]

    def __str__(self) -> str:
        return f"结算 {self.amount}"
