"""``manage.py graph_transitions projects``: the process as a Graphviz graph, drawn from the table
(``projects.process``) with each step's one label on its edges — the same words as the button and
the trail. Other apps' state machines are drawn by django-fsm's own command, which this extends."""

from __future__ import annotations

import graphviz
from django_fsm.management.commands.graph_transitions import Command as FSMGraphCommand

from projects import process


def process_graph() -> graphviz.Digraph:
    graph = graphviz.Digraph(
        name="projects", graph_attr={"label": "社区党组织服务群众专项经费：项目办理流程", "rankdir": "TB"}
    )
    graph.node("_start", label="", shape="point")
    graph.edge("_start", process.Status.DRAFT.value)
    for state in process.STATES:
        graph.node(state.status.value, label=state.label, shape="doublecircle" if state.ended else "box")
        for go in state.leaves:
            for outcome, target in go.to.items() if isinstance(go.to, dict) else [(None, go.to)]:
                label = go.step.label + (f"（{go.step.outcomes[outcome]}）" if outcome else "")
                graph.edge(state.status.value, target.value, label=label)
    return graph


class Command(FSMGraphCommand):
    help = "把项目办理流程画成 Graphviz 图（graph_transitions projects）；其他应用交给 django-fsm。"

    def handle(self, *args: str, **options) -> None:
        if list(args) not in (["projects"], ["projects.Project"], ["projects.Project.status"]):
            return super().handle(*args, **options)
        graph = process_graph()
        if outputfile := options["outputfile"]:
            filename, graph_format = outputfile.rsplit(".", 1)
            graph.engine, graph.format = options["layout"], graph_format
            graph.render(filename)
        else:
            self.stdout.write(str(graph))
