"""8. 完成公示 Completion (Art. 15): the completion notice, posted for 3 working days, then the file is
closed."""

from __future__ import annotations

from django.db import transaction

from fundadmin.models import User
from publicity.models import Notice
from publicity.services import notice_publish_for_project

from .. import process
from ..models import Project
from .steps import locked, take


def project_start_completion_notice(*, project: Project, by: User) -> Project:
    with transaction.atomic():
        project = locked(project)
        take(project, process.START_COMPLETION_NOTICE, by)
        notice_publish_for_project(project=project, kind=Notice.Kind.COMPLETION, by=by)
    return project


def project_close(*, project: Project, by: User) -> Project:
    with transaction.atomic():
        project = locked(project)
        take(project, process.CLOSE, by)
    return project
