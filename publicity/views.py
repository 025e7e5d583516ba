from django.shortcuts import render

from fundadmin.models import WorkingCommittee


def index(request):
    committees = WorkingCommittee.objects.prefetch_related("communities")
    return render(request, "publicity/index.html", {"committees": committees})
