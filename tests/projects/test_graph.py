import io

from django.core.management import call_command

from projects.models import Status


def test_graph_transitions_draws_every_state():
    out = io.StringIO()
    call_command("graph_transitions", "projects", stdout=out)
    dot = out.getvalue()
    assert dot.startswith("digraph")
    for status in Status:
        assert status.label in dot
