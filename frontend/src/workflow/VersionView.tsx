// A published version's graph on the canvas, read-only (opened from the version history):
// nothing can be moved, connected or changed; a click on a block shows its settings.
import { Background, Controls, MiniMap, ReactFlow, ReactFlowProvider, type NodeMouseHandler } from "@xyflow/react";
import { useMemo, useState } from "react";
import type { Schemas } from "../api/types";
import { t } from "../i18n";
import { NODE_TYPES } from "./BlockNode";
import { flowAriaLabels } from "./flowLabels";
import { entryFor, graphToCanvas, type BlockNode, type Catalog } from "./graph";

export type VersionDetail = Schemas["WorkflowVersionDetail"];

const FIT = { padding: 0.2, maxZoom: 1.2 };

type Props = { version: VersionDetail; catalog: Catalog; onClose: () => void };

export function VersionView({ version, catalog, onClose }: Props) {
  const { nodes, edges } = useMemo(() => graphToCanvas(version.graph, catalog), [version.graph, catalog]);
  const [selected, setSelected] = useState<BlockNode | null>(null);
  const onNodeClick: NodeMouseHandler<BlockNode> = (_, node) => setSelected(node);
  const shown = useMemo(() => nodes.map((n) => (n.id === selected?.id ? { ...n, selected: true } : n)), [nodes, selected]);
  const entry = selected ? entryFor(catalog, selected.data) : undefined;
  const ariaLabels = useMemo(flowAriaLabels, []);
  return (
    <div className="version-view" data-testid="version-view">
      <div className="notice version-banner" role="status">
        {t(version.is_published ? "canvas.version.viewingLive" : "canvas.version.viewing", { number: version.number })}
        {version.note ? t("canvas.version.note", { note: version.note }) : null}.{" "}
        <button type="button" className="button secondary" onClick={onClose}>{t("canvas.version.back")}</button>
      </div>
      <div className="editor-body">
        <div className="canvas" aria-label={t("canvas.version.canvas", { number: version.number })}>
          <ReactFlowProvider>
            <ReactFlow
              nodes={shown}
              edges={edges}
              nodeTypes={NODE_TYPES}
              onNodeClick={onNodeClick}
              onPaneClick={() => setSelected(null)}
              nodesDraggable={false}
              nodesConnectable={false}
              elementsSelectable={false}
              deleteKeyCode={null}
              minZoom={0.1}
              fitView
              fitViewOptions={FIT}
              defaultEdgeOptions={{ type: "smoothstep" }}
              proOptions={{ hideAttribution: true }}
              ariaLabelConfig={ariaLabels}
            >
              <Background gap={20} />
              <MiniMap pannable zoomable ariaLabel={t("canvas.miniMap")} />
              <Controls showInteractive={false} />
            </ReactFlow>
          </ReactFlowProvider>
        </div>
        <aside className="side-panel" aria-label={t("canvas.version.panel")}>
          {selected ? (
            <div className="node-panel">
              <h2>{entry?.label ?? selected.data.type} <code>{selected.id}</code></h2>
              {selected.data.label && <p>{t("canvas.version.name", { name: selected.data.label })}</p>}
              <p className="muted">{t("canvas.version.settingsIn", { number: version.number })}</p>
              <pre className="config-json">{JSON.stringify(selected.data.config, null, 2)}</pre>
            </div>
          ) : (
            <div className="workflow-summary">
              <h2>{t("canvas.version.title", { number: version.number })}</h2>
              <p className="muted">{t("canvas.version.counts", { blocks: t("canvas.version.blocks", { count: nodes.length }), connections: t("canvas.version.connections", { count: edges.length }) })}</p>
              <p>{t("canvas.version.hint")}</p>
            </div>
          )}
        </aside>
      </div>
    </div>
  );
}
