// Auto-layout: top to bottom, ranks by dagre (pinned in package.json), branches side by side.
import { Graph, layout } from "@dagrejs/dagre";
import type { BlockNode, CanvasEdge } from "./graph";

export const NODE_WIDTH = 220;
export const NODE_HEIGHT = 84;

export function autoLayout(nodes: BlockNode[], edges: CanvasEdge[]): BlockNode[] {
  const g = new Graph({ multigraph: true });
  g.setGraph({ rankdir: "TB", nodesep: 48, ranksep: 72, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) {
    g.setNode(node.id, {
      width: node.measured?.width ?? NODE_WIDTH,
      height: node.measured?.height ?? NODE_HEIGHT,
    });
  }
  for (const edge of edges) {
    if (g.hasNode(edge.source) && g.hasNode(edge.target)) g.setEdge(edge.source, edge.target, {}, edge.id);
  }
  layout(g);
  return nodes.map((node) => {
    const at = g.node(node.id);
    if (!at) return node;
    const width = node.measured?.width ?? NODE_WIDTH;
    const height = node.measured?.height ?? NODE_HEIGHT;
    return { ...node, position: { x: Math.round(at.x - width / 2), y: Math.round(at.y - height / 2) } };
  });
}
