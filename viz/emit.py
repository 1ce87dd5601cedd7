"""Emit: the last stage of a drawing, a scene with its marks written as DOT for graphviz.

``emit(scene, marks, options)`` builds the :class:`~viz.display.Drawing` (a
``graphviz.Digraph``) that every picture is: :func:`viz.draw_graph`, :func:`viz.draw_chain`
and each frame of :func:`viz.steps` (whose player pins the result with :mod:`viz.pinned`).
:class:`~viz.options.Options` is the one options object (:mod:`viz.options`, whose names
this module also gives).

Before anything is formatted the drawn nodes are counted and the layout's size estimated,
so a picture too large to read (or for ``dot`` to lay out in reasonable time) is refused
with :class:`GraphTooLargeError`, saying how to draw it.
"""

from __future__ import annotations

import itertools
import re

from viz.display import Drawing
from viz.layout import (
    CHAR_EM,
    box_size,
    bundles_of,
    cells_size,
    clear_label,
    drawn_lines,
    edges_of,
    estimate_ranks,
    node_order,
    pick_rankdir,
    text_size,
    wrap_caption,
)
from viz.marks import Marks, box_label, box_rows, escape, html_label, op_text, value_cells, value_label
from viz.model_layout import Places, arrange_model, title_node
from viz.options import (
    CHAIN_WALK,
    DEFAULT_MAX_NODES,
    LAYOUT_CELLS_PER_NODE,
    MODEL_WALK,
    GraphTooLargeError,
    Options,
    refuse_early,
    too_large,
)
from viz.scene import Scene, boxes_of, collapsed_modules
from viz.shared import stub_label, stubs_into, users

__all__ = [
    "CHAIN_WALK",
    "DEFAULT_MAX_NODES",
    "LAYOUT_CELLS_PER_NODE",
    "MODEL_WALK",
    "GraphTooLargeError",
    "Options",
    "emit",
    "refuse_early",
    "too_large",
]


def emit(
    g: Scene, style: Marks, options: Options, *, cls: type[Drawing] = Drawing, label_nodes: bool = True
) -> Drawing:
    """The DOT of ``g`` with ``style``: value nodes (op nodes), module clusters and boxes, edges.

    With ``label_nodes``, a long label of an edge between two nodes of one box is a node of the box
    (dot would set it outside the box); frames pinned at one layout (:mod:`viz.steps`) keep the
    same nodes in every frame, so they pass False.

    Raises:
        GraphTooLargeError: with more than ``options.max_nodes`` drawn nodes, or a layout too large
            for ``dot`` (:data:`LAYOUT_CELLS_PER_NODE`); counted before anything is formatted.
    """
    theme = options.style
    digits, lanes_shown, max_nodes = options.digits, options.lanes_shown, options.max_nodes
    user_graph, user_node, user_edge = dict(options.graph_attr), dict(options.node_attr), dict(options.edge_attr)
    dpi, timeout, rankdir = options.dpi, options.timeout, options.rankdir
    box = boxes_of(g, collapsed_modules(g, options.collapse))
    # Count what will be drawn before building anything.
    consumers_outside: set[int] = set(g.roots)
    for i in range(len(g.order)):
        for _, pi in g.inputs(i):
            if box[pi] is not None and box[pi] != box[i]:
                consumers_outside.add(pi)
    boxes_used = sorted({b for b in box if b is not None})
    inline = options.ops == "inline"
    per_op = 1 if inline else 2
    n_drawn = len(boxes_used) + sum(1 if v.is_leaf else per_op for i, v in enumerate(g.order) if box[i] is None)
    n_drawn += sum(len(users(g, leaf)) - 1 for leaf in g.stubs)  # a stub per use (viz.shared)
    if n_drawn > max_nodes:
        raise too_large(g, n_drawn, max_nodes)

    top = cls(
        name="chainrule",
        graph_attr={**theme.graph_attr(), **user_graph},
        node_attr={**theme.node_attr(), **user_node},
        edge_attr={**theme.edge_attr(), **user_edge},
    )
    top.caption = style.caption
    top.node_count = n_drawn
    top.timeout = timeout
    top.dpi = dpi if dpi is not None else theme.dpi
    font = float(top.node_attr.get("fontsize", theme.fontsize))
    edge_font = float(top.edge_attr.get("fontsize", theme.edge_fontsize))
    caption_font = float(top.graph_attr.get("fontsize", theme.caption_fontsize))
    if boxes_used:
        # Keep module boxes in the order they are emitted (neurons.0, neurons.1, …): with its
        # full crossing-minimisation budget, dot rotates the boxes of fully connected layers
        # (8–15 above 0–7 in MLP(2, [16, 16, 1])), where every order has the same crossings.
        top.graph_attr.setdefault("mclimit", "0.1")
    caption_size = (0.0, 0.0)
    width = max(40, int(theme.fit[0] / (caption_font * CHAR_EM)))  # characters the display shows on a line
    if style.caption and not style.legend:
        lines = wrap_caption(style.caption, width)
        top.graph_attr.setdefault("label", f"<{'<BR/>'.join(escape(line) for line in lines)}>")
        top.graph_attr.setdefault("labelloc", "t")
        top.graph_attr.setdefault("labeljust", "l")
        caption_size = text_size(lines, caption_font)
    elif style.legend:
        rows = []
        if style.caption:
            lines = wrap_caption(style.caption, width)
            body = "".join(f'{escape(line)}<BR ALIGN="LEFT"/>' for line in lines)
            rows.append(f'<TR><TD ALIGN="LEFT">{body}</TD></TR>')
            caption_size = text_size(lines, caption_font)
        if style.legend:
            rows.append(f'<TR><TD ALIGN="LEFT">{style.legend}</TD></TR>')
            caption_size = (max(caption_size[0], 420.0), caption_size[1] + caption_font * 2)
        top.graph_attr.setdefault(
            "label", f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">{"".join(rows)}</TABLE>>'
        )
        top.graph_attr.setdefault("labelloc", "t")
        top.graph_attr.setdefault("labeljust", "l")

    clusters: dict[int, Drawing] = {}

    def container(j: int | None) -> Drawing:
        if j is None:
            return top
        if j not in clusters:
            m = g.modules[j]
            c = Drawing(name=f"cluster_m{j}")
            title = html_label(f"{m.name} ({m.kind})")
            if j in titled:
                # Edges into a box run past its top-left corner, through a label there (left to right),
                # or enter it from above through its first rank, where the label is (top to bottom, a
                # box with open parameters: see Places.stops): the title is a node at the box's first
                # rank, before its first member (arrange_model), and dot routes edges around nodes.
                c.attr(label="", style="rounded", color=theme.cluster)  # not the graph's caption, inherited
                c.node(title_node(j), label=title, shape="none", margin="0.15,0.02")
            else:
                c.attr(label=title, style="rounded", color=theme.cluster, labeljust="l")
                if j in below:
                    c.attr(labelloc="b")
            clusters[j] = c
        return clusters[j]

    def owner_container(j: int | None) -> int | None:
        # The model itself (named "") gets no cluster: it is the whole picture.
        return None if j is None or not g.modules[j].name else j

    members: dict[int, list[int]] = {b: [] for b in boxes_used}
    for i in range(len(g.order)):
        if box[i] is not None:
            members[box[i]].append(i)  # type: ignore[index]
    known = set(g.first)
    emit_order = [*g.first, *(i for i in range(len(g.order)) if i not in known)]
    edges = edges_of(g, style, box, owner_container, theme, inline=inline)

    def op_of(i: int) -> str:
        """The op cell's text: the op, and a note after it (a chain's view: how many inputs are not drawn)."""
        note = style.notes.get(i)
        return f"{op_text(g.order[i])} {note}" if note else op_text(g.order[i])

    # What each node shows, and its rough size side by side (top to bottom) or stacked (left to right).
    texts_of_box: dict[int, list[str]] = {}
    sizes: dict[str, tuple[float, float]] = {}
    stacked_sizes: dict[str, tuple[float, float]] = {}
    for i, v in enumerate(g.order):
        b = box[i]
        if b is not None:
            if b not in texts_of_box:
                outputs = [k for k in members[b] if k in consumers_outside]
                texts_of_box[b] = box_rows(g, b, members[b], outputs, digits, lanes_shown)
                sizes[f"m{b}"] = stacked_sizes[f"m{b}"] = box_size(texts_of_box[b], font)
            continue
        for leaf in stubs_into(g, i):
            sizes[g.source(leaf, i)] = stacked_sizes[g.source(leaf, i)] = box_size([g.names[leaf] or "0.0000"], font)
        if i in g.stubs:
            continue
        name = g.names[i] or (g.vid(i) if style.shows_id(i) else "")
        texts = value_cells(name, style.data[i], style.grad[i], op_of(i) if inline and not v.is_leaf else "")
        sizes[g.vid(i)] = cells_size(texts, font)
        stacked_sizes[g.vid(i)] = box_size(texts, font)
        if not v.is_leaf and not inline:
            w, h = text_size(op_of(i).split("\n"), font)
            sizes[f"{g.vid(i)}op"] = stacked_sizes[f"{g.vid(i)}op"] = (w + 20, max(h + 8, 22))
    estimate = [(e.src, e.dst, text_size(e.label_text.split("\n"), edge_font) if e.label_text else None) for e in edges]
    if g.modules:  # what arrange_model adds: ranks of their own per layer, box titles and margins
        where = Places(g, box, owner_container)
        estimate += [(src, head, None) for src, head in where.bands(edges)]
        for name in list(sizes):
            depth, k = 0, where.place.get(name)
            while k is not None:
                depth, k = depth + 1, owner_container(g.modules[k].parent)
            if depth:
                pad = 16.0 * depth
                sizes[name] = (sizes[name][0] + pad, sizes[name][1] + pad)
                stacked_sizes[name] = (stacked_sizes[name][0] + pad, stacked_sizes[name][1] + pad)
    rank = estimate_ranks(sizes, estimate)
    spans = sum(max(0, rank[d] - rank[s] - 1) for s, d, _ in estimate if s in rank and d in rank)
    top.layout_cells = n_drawn + spans
    if top.layout_cells > LAYOUT_CELLS_PER_NODE * max_nodes:
        needed = -(-top.layout_cells // LAYOUT_CELLS_PER_NODE)
        error = GraphTooLargeError(
            f"the picture's layout would need {top.layout_cells} cells ({n_drawn} nodes, and points along edges that "
            "span many levels, as from a Value used at many depths), more than "
            f"{LAYOUT_CELLS_PER_NODE} × max_nodes = {LAYOUT_CELLS_PER_NODE * max_nodes}: dot could take minutes. "
            f"Draw a part of the graph, or pass max_nodes={needed} to draw it anyway"
        )
        error.nodes = n_drawn
        error.reason = f"a layout of {top.layout_cells} cells, more than {LAYOUT_CELLS_PER_NODE} × max_nodes"
        raise error
    scales: dict[str, float] = {}
    # Top to bottom, cells are side by side, except where the display scrolls (below): stacked there too.
    tb_sizes = stacked_sizes if theme.fit[1] is None else sizes
    picked = pick_rankdir(tb_sizes, estimate, caption_size, theme, stacked_sizes, scales)
    if rankdir == "auto":
        rankdir = user_graph.get("rankdir") or picked
    top.graph_attr["rankdir"] = user_graph.get("rankdir", rankdir)
    # How high the node text will be in the style's display (a 1000 px notebook column, a slide):
    # points at full size are 4/3 CSS px, and a wider picture is scaled down to fit.
    top.text_px = font * 4 / 3 * scales.get(top.graph_attr["rankdir"], 1.0)
    # Cells are stacked where that makes ranks narrower: left to right always, and top to bottom too
    # when the display scrolls (a notebook), where a picture's height costs less than its width, and
    # with stubs (viz.shared): a strip of time steps keeps its columns one narrow node wide.
    stacked = theme.fit[1] is None or top.graph_attr["rankdir"] in ("LR", "RL") or bool(g.stubs)
    # Boxes whose titles are nodes: every box left to right. Top to bottom, edges enter an open box
    # with parameters from above, through its first rank (see Places.stops): its title is a node;
    # the boxes around it have their label at the bottom (a node of their own would sit beside
    # their child boxes and widen the picture); others keep their label at the top.
    titled: set[int] = set()
    below: set[int] = set()
    if top.graph_attr["rankdir"] in ("LR", "RL"):
        titled = {j for j, m in enumerate(g.modules) if m.name}
    else:
        titled = set(Places(g, box, owner_container).leads())
        for j in titled:
            up = owner_container(g.modules[j].parent)
            while up is not None:
                below.add(up)
                up = owner_container(g.modules[up].parent)
        below -= titled
    first_in: dict[int, str] = {}  # cluster → a node inside it (for edges to the whole cluster)
    emitted_boxes: set[int] = set()
    for i in emit_order:
        v = g.order[i]
        b = box[i]
        if b is not None:
            if b in emitted_boxes:
                continue
            emitted_boxes.add(b)
            holder = owner_container(g.modules[b].parent)
            container(holder).node(f"m{b}", label=box_label(texts_of_box[b], theme), shape="plain")
            if holder is not None:
                first_in.setdefault(holder, f"m{b}")
            continue
        holder = owner_container(g.owner[i])
        c = container(holder)
        for leaf in stubs_into(g, i):  # a shared leaf at this use: just before its user
            hot = leaf in style.emphasis and any((i, k) in style.hot for k, pi in g.inputs(i) if pi == leaf)
            label = stub_label(g, leaf, style.fill[leaf], hot, theme, digits)
            c.node(g.source(leaf, i), label=label, shape="plain")
        if i in g.stubs:
            continue
        vid = g.vid(i)
        name = g.names[i] or (g.vid(i) if style.shows_id(i) else "")
        c.node(
            vid,
            label=value_label(
                name,
                style.data[i],
                style.grad[i],
                style.fill[i],
                i in style.emphasis,
                theme,
                stacked=stacked,
                op=op_of(i) if inline and not v.is_leaf else "",
            ),
            shape="plain",
        )
        if holder is not None:
            first_in.setdefault(holder, vid)
        if not v.is_leaf and not inline:
            c.node(
                f"{vid}op",
                label=html_label(op_of(i)),
                shape="ellipse",
                margin="0.02,0.01",
                height="0.3",
                style="filled",
                fillcolor=theme.op_fill,
            )
    # Enclosing modules get a cluster even without nodes of their own (a layer of neurons).
    for j in list(clusters):
        parent = owner_container(g.modules[j].parent)
        while parent is not None:
            container(parent)
            parent = owner_container(g.modules[parent].parent)
    for j in sorted(clusters, key=lambda j: -g.modules[j].depth):  # a node for edges to a cluster
        parent = owner_container(g.modules[j].parent)
        if j in first_in and parent is not None:
            first_in.setdefault(parent, first_in[j])
    bundles = bundles_of(edges, box, g, owner_container)
    drawn = drawn_lines(edges, bundles, first_in, style, theme)
    where = Places(g, box, owner_container)
    stops = where.stops(drawn) if clusters else {}
    # A module's parameters in their named order (w0, w1, b), not in the order dot's crossing
    # minimisation happens to leave them: the parameters drawn in one cluster at one (estimated)
    # rank share that rank, chained by invisible edges in that order. (Leaves outside clusters
    # are left to dot: tying them to one rank widens small pictures.)
    # (Grouped by the node they feed, not by estimated rank: a labelled edge, as draw_chain
    # writes on its path, counts two ranks in the estimate and split a neuron's parameters.)
    # The stops of the edges entering the box there (see Places.stops) join the chain, each after
    # the parameter before it among the node's inputs (x0's after w0, in a neuron's w·x + b).
    consumer: dict[int, int] = {}
    for k in range(len(g.order)):
        for _, pi in g.inputs(k):
            consumer.setdefault(pi, k)
    siblings: dict[tuple[int | None, int], list[str]] = {}
    for i in g.first:
        holder = owner_container(g.owner[i])
        if box[i] is None and holder is not None and g.vid(i) in rank:
            siblings.setdefault((holder, consumer.get(i, -1)), []).append(g.vid(i))
    # dot puts a flat edge's tail before its head: left of it top to bottom, below it left to right.
    upward = top.graph_attr["rankdir"] in ("LR", "RL")
    for n, (j, stop) in sorted(stops.items()):
        value = re.fullmatch(r"v(\d+)(?:op)?", drawn[n][1])
        chain = siblings.get((j, int(value.group(1)))) if value else None
        if value is None or chain is None:
            continue
        i = int(value.group(1))
        slot = drawn[n][3]
        slots = {g.vid(pi): k for k, pi in reversed(g.inputs(i))}
        at = max((k + 1 for k, name in enumerate(chain) if name in slots and slots[name] < slot), default=0)
        while at < len(chain) and chain[at] not in slots:  # after the stops already there
            at += 1
        chain.insert(at, stop)
    for (holder, _), members_in_order in siblings.items():
        if len(members_in_order) < 2:
            continue
        if clusters:  # dot's second crossing minimisation over clusters does not keep flat edges' order
            top.graph_attr.setdefault("remincross", "false")
        with container(holder).subgraph() as same:
            same.attr(rank="same")
            for before, after in itertools.pairwise(reversed(members_in_order) if upward else members_in_order):
                same.edge(before, after, style="invis")
    # The boxes a bundle reaches (a layer's neurons) share a rank (only one of them gets the
    # bundle's edge), in the model's order.
    ordered: set[tuple[str, ...]] = set()
    for group in bundles.values():
        heads = tuple(sorted({d for _, d in group.pairs}, key=node_order))
        holders = {owner_container(g.modules[int(h[1:])].parent) for h in heads if h.startswith("m")}
        if len(heads) < 2 or heads in ordered or len(holders) != 1 or not all(h.startswith("m") for h in heads):
            continue
        holder = holders.pop()
        if holder is None:
            continue
        ordered.add(heads)
        with clusters[holder].subgraph() as same:
            same.attr(rank="same")
            for head in heads:
                same.node(head)
            # In the model's order (dot reverses the rank otherwise): chained like the parameters above.
            for tail, head_ in itertools.pairwise(reversed(heads) if upward else heads):
                same.edge(tail, head_, style="invis")
        top.graph_attr.setdefault("remincross", "false")
    if clusters:
        arrange_model(g, top, clusters, owner_container, box, edges, upward=upward, titled=titled)
    else:
        _inputs_in_order(g, top)
    if bundles:
        top.graph_attr.setdefault("compound", "true")
    rankdir = top.graph_attr["rankdir"]

    def box_of(name: str) -> int | None:
        value = re.fullmatch(r"v(\d+)(?:op)?", name)
        return None if value is None else owner_container(g.owner[int(value.group(1))])

    across = 1 if rankdir in ("LR", "RL") else 0  # a label stands out from its edge across the ranks

    def sticks_out(label: str) -> bool:
        """Whether a label stands out from its edge farther than :data:`LABEL_NODE_EMS` ems (a lane
        list, not a number): as far as a box's side, past which dot sets it."""
        extent = text_size(re.sub(r"<[^>]*>", "\n", label[1:-1]).split("\n"), edge_font)[across]
        return extent > LABEL_NODE_EMS * edge_font

    for n, (src, dst, attrs, _) in enumerate(drawn):
        inside = box_of(src)
        if (
            label_nodes
            and "label" in attrs
            and n not in stops
            and inside is not None
            and inside == box_of(dst)
            and sticks_out(attrs["label"])
        ):
            # Both ends in one box: dot keeps an edge label's width out of the box's frame, so a wide
            # label stuck out of it and the edge looped out to it (lesson 5's Σw·x → σ). Such a label
            # is a node of the box instead, on a rank between the ends, the edge running beside it.
            label = f"{src}_{dst}_label{n}"  # (node names have no underscore)
            clusters[inside].node(
                label, label=clear_label(attrs["label"], rankdir), shape="plain", fontcolor=attrs.get("fontcolor", "")
            )
            top.edge(src, label, style="invis")
            top.edge(label, dst, style="invis")
            top.edge(src, dst, minlen="2", **{a: v for a, v in attrs.items() if a not in ("label", "fontcolor")})
            continue
        if "label" in attrs:
            # An edge out of a box into a node (ltail, no lhead) is clipped at the box's frame after
            # dot placed its label on the whole route, from the node inside the box that stands for
            # it: the label would float in the box, far from the line (lesson 3's "2 edges"). An
            # xlabel is placed after the clipping, beside the line as drawn. (Between two boxes the
            # label keeps its rank: it holds the gap between the layers open for itself.)
            side = "xlabel" if "ltail" in attrs and "lhead" not in attrs else "label"
            attrs = {a: v for a, v in attrs.items() if a != "label"} | {side: clear_label(attrs["label"], rankdir)}
        if n not in stops:
            top.edge(src, dst, **attrs)
            continue
        # Through its stop (Places.stops): the first part without an arrowhead or label.
        _, stop = stops[n]
        plain = {a: v for a, v in attrs.items() if a not in ("label", "fontcolor", "lhead")}
        top.edge(src, stop, arrowhead="none", **plain)
        top.edge(stop, dst, **{a: v for a, v in attrs.items() if a != "ltail"})
    # The stops, last in their boxes (written before the chains, they changed dot's start order
    # enough to swap two neurons of MLP(2, [4, 4, 1])).
    for j, stop in stops.values():
        clusters[j].node(stop, label="", shape="point", style="invis", width="0", height="0")
    # Attach clusters innermost first, so each is complete when its parent takes it.
    for j in sorted(clusters, key=lambda j: (-g.modules[j].depth, j)):
        container(owner_container(g.modules[j].parent)).subgraph(clusters[j])
    return top


#: How far (in ems of the edge font) a label between two nodes of one box may stand out from its edge
#: and still be set by dot beside it: lesson 5's lane list (18 ems) stuck out of the neuron's box and
#: its edge looped out to it; lesson 3's numbers (3–6 ems) sit well beside theirs.
LABEL_NODE_EMS = 4.5


def _inputs_in_order(g: Scene, top: Drawing) -> None:
    """The inputs given (``inputs=``) side by side in their order, on one rank: x₁ before x₂, and
    a recurrent net's inputs in time order. (A model's picture does this in :func:`arrange_model`.)

    dot puts a flat edge's tail before its head (left of it top to bottom, above it left to right),
    so an invisible edge between each input and the next keeps them in order.
    """
    given = [g.vid(i) for i in g.first if g.roles[i] == "input" and i not in g.stubs]
    if len(given) < 2:
        return
    with top.subgraph() as same:
        same.attr(rank="same")
        for a, b in itertools.pairwise(given):
            same.edge(a, b, style="invis")
