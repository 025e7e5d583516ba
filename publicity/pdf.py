"""Paper: every notice as an A4 page for the physical board, and the application-and-approval form
filled from the project, ready to sign.

WeasyPrint renders an HTML template (``lang="zh-Hans"`` so Chinese glyph forms are chosen, the font
named explicitly as "Noto Sans CJK SC"); the QR code is qrcode's pure-Python SVG as a data URI, so
nothing is fetched while rendering.
"""

from __future__ import annotations

import base64

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from fundadmin.addresses import public_url
from fundadmin.workdays import CONVENTION_NOTE, PROVISIONAL_NOTE
from projects.models import Invoice, Review, Settlement, Signature

from .models import Notice
from .selectors import public_objections, version_chain


def qr_data_uri(text: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


def _render(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def notice_pdf(notice: Notice, request=None) -> bytes:
    """The A4 notice for the board. ``request``: the one asking for it, whose address the QR code
    carries outside production (fundadmin.addresses)."""

    url = public_url(reverse("publicity:notice_detail", args=[notice.pk]), request)
    chain = version_chain(notice)
    return _render(
        "publicity/pdf/notice.html",
        {
            "notice": notice,
            "s": notice.snapshot,
            "url": url,
            "qr": qr_data_uri(url),
            "convention_note": CONVENTION_NOTE,
            "provisional_note": PROVISIONAL_NOTE,
            "previous": chain[chain.index(notice) - 1] if notice.supersedes_id else None,
            "objections": public_objections([notice]).exclude(state__in=("open", "answered")),
        },
    )


def application_form_pdf(project, request=None) -> bytes:
    """《社区党组织服务群众专项经费使用申请审批表》 filled from the record (SPEC.md "The
    application-and-approval form"); every opinion box keeps room for the wet signature and seal."""

    reviews = {kind: None for kind in Review.Kind.values}
    for review in project.reviews.select_related("decided_by").order_by("decided_at", "pk"):
        reviews[review.kind] = review  # the latest opinion of each body is the one on the form
    plan_notices = list(project.notices.filter(kind=Notice.Kind.PLAN).order_by("posted_on", "pk"))
    invoice = Invoice.objects.filter(project=project).first()
    signatures = {s.order: s for s in invoice.signatures.select_related("signer")} if invoice else {}
    return _render(
        "publicity/pdf/application_form.html",
        {
            "project": project,
            "lines": project.budget_lines.all(),
            "needs": project.needs.all(),
            "meetings": project.meetings.all(),
            "plan_notices": plan_notices,
            "objections": public_objections(plan_notices),
            "preliminary": reviews[Review.Kind.PRELIMINARY],
            "committee": reviews[Review.Kind.COMMITTEE],
            "construction": reviews[Review.Kind.CONSTRUCTION],
            "inspection": project.inspections.order_by("inspected_on", "pk").select_related("recorded_by").last(),
            "invoice": invoice,
            # The three signatures in their order (Art. 13), each box printed whether signed yet or not.
            "signature_boxes": [
                (order, Signature.ORDER_ROLES[order].label, signatures.get(order)) for order in (1, 2, 3)
            ],
            "settlement": Settlement.objects.filter(project=project).select_related("recorded_by").first(),
            "completion_notices": list(
                project.notices.filter(kind__in=(Notice.Kind.COMPLETION, Notice.Kind.PAYMENT)).order_by("posted_on")
            ),
            "convention_note": CONVENTION_NOTE,
            "url": public_url(reverse("publicity:project_public", args=[project.pk]), request),
        },
    )
