"""Feedback in the terminal, with rich, to a Console the caller passes in."""

from __future__ import annotations

from rich.console import Console, Group
from rich.markup import escape
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .feedback import Feedback, Moment, Turn

STYLE = {"trust_building": "green", "neutral": "bright_black", "barrier_creating": "red"}
ICON = {"trust_building": "▲", "neutral": "●", "barrier_creating": "▼"}


def _where(turn: Turn) -> str:
    bits = [f"turn {turn.turn_index}"]
    if turn.time:
        bits.append(turn.time)
    if turn.segment:
        bits.append(turn.segment)
    return ", ".join(bits)


def _quote(turn: Turn) -> Text:
    text = Text("“", style="italic")
    for piece, term in turn.pieces:
        text.append(piece, style="italic underline" if term else "italic")
    text.append("”", style="italic")
    return text


def _moment(moment: Moment, label: str, clients: str) -> Panel:
    turn = moment.turn
    parts: list = []
    if label == "barrier_creating" and turn.client_before:
        parts.append(Text.assemble((f"Just before, {clients} said: ", "dim"),
                                   (f"“{turn.client_before}”", "dim italic")))
    parts.append(_quote(turn))
    for theme in moment.themes:
        heading = "What worked: " if label == "trust_building" else "Theme: "
        parts.append(Text.assemble((heading, "bold"), (theme.name, "bold"), " – ", theme.why))
    if moment.alternative:
        parts.append(Text.assemble(("You could try: ", "bold cyan"), moment.alternative))
    title = Text.assemble((f"{ICON[label]} ", STYLE[label]), (turn.speaker, "bold"),
                          f" ({_where(turn)})")
    return Panel(Group(*parts), title=title, title_align="left", border_style=STYLE[label],
                 padding=(0, 1))


def render_terminal(feedback: Feedback, console: Console) -> None:
    """Print the four sections of the feedback to `console`."""
    fb = feedback
    who = fb.supporter or "the supporter"
    clients = " and ".join(fb.clients) or "the client"
    console.print()
    console.rule(Text(f"Feedback for {who}: {fb.transcript_id}", style="bold"))
    counts = fb.counts
    console.print(
        f"{counts['trust_building'] + counts['neutral'] + counts['barrier_creating']} "
        f"supporter turns: [green]{ICON['trust_building']} {counts['trust_building']} "
        f"trust-building[/], [bright_black]{ICON['neutral']} {counts['neutral']} neutral[/], "
        f"[red]{ICON['barrier_creating']} {counts['barrier_creating']} barrier-creating[/]."
    )
    for line in fb.summary:
        console.print(escape(line))
    if fb.keep_doing:
        console.print(Text.assemble(("Keep doing: ", "bold green"), fb.keep_doing.name, ". ",
                                    fb.keep_doing.why))
    if fb.next_step:
        console.print(Text.assemble(("One thing to try next time: ", "bold cyan"),
                                    fb.next_step.themes[0].name, ". ",
                                    fb.next_step.alternative or ""))

    console.print()
    console.print(Text("1. Strengths", style="bold green"))
    if fb.strengths:
        console.print("Moments where you built trust. Keep doing these.")
        for moment in fb.strengths:
            console.print(_moment(moment, "trust_building", clients))
    else:
        console.print("No turn was rated trust-building this time. The numbers below can "
                      "show where to start.")

    console.print()
    console.print(Text("2. To work on", style="bold red"))
    if fb.to_work_on:
        console.print(f"Turns that may have put distance between you and {escape(clients)}, "
                      "each with one way you could say it instead.")
        for moment in fb.to_work_on:
            console.print(_moment(moment, "barrier_creating", clients))
    else:
        console.print("No turn was rated barrier-creating. Well done.")
    if fb.uncertain:
        turns = ", ".join(str(m.turn.turn_index) for m in fb.uncertain)
        console.print(f"Uncertain: the model leaned towards barrier-creating for turn(s) {turns}, "
                      "but with low confidence, so these are not findings.")

    console.print()
    console.print(Text("3. Jargon", style="bold"))
    if fb.jargon:
        table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
        table.add_column("You said")
        table.add_column("Plain alternatives")
        table.add_column("Turn")
        for term in fb.jargon:
            table.add_row(term.term,
                          " | ".join(term.alternatives) or "no plain alternative in the lexicon:"
                          " use the client's own words",
                          ", ".join(str(i) for i in term.turns))
        console.print(Padding(table, (0, 0, 0, 2)))
    else:
        console.print("No jargon found.")

    console.print()
    console.print(Text("4. Listening numbers", style="bold"))
    console.print(Text("The reference points are expert opinion for orientation, not pass or "
                       "fail.", style="dim"))
    table = Table(show_header=True, header_style="bold", padding=(0, 1))
    table.add_column("Measure")
    table.add_column("This session", justify="right")
    table.add_column("Reference points (not pass/fail)", ratio=3)
    table.add_column("Where this sits", ratio=3)
    for m in fb.numbers:
        table.add_row(m.label, m.display, m.reference, m.position)
    for m in fb.trust_index:
        table.add_row(f"Trust index, {m.label.lower()}", m.display,
                      "−1 to +1; no reference point", m.position)
    console.print(table)
    console.print(Text(
        f"Labels come from the {fb.classifier or 'trust'} classifier and can be wrong: read each "
        "turn in context. Feedback for learning, not for clinical, disciplinary or employment "
        "decisions.", style="dim"))
