// The one node component of the canvas: any block, drawn from its catalog entry. Memoized:
// React Flow re-renders a node only when its own data changes.
import { Handle, Position, type NodeProps } from "@xyflow/react";
import { createContext, memo, useContext } from "react";
import { ArrowUpCircle } from "lucide-react";
import { t } from "../i18n";
import { entryFor, upgradable, type BlockNode as BlockNodeType, type Catalog } from "./graph";
import { messageChannel, outcomeLines } from "./outcomes";
import { problemWords } from "../lib/problems";
import { portLabel } from "./ports";
import { BlockIcon, PauseIcon, PlayIcon } from "./icons";
import { useShowIds } from "./showIds";
import { blockSummary, missingSettings } from "./summary";

export const CatalogContext = createContext<Catalog>(new Map());

function BlockNodeView({ id, data, selected }: NodeProps<BlockNodeType>) {
  const catalog = useContext(CatalogContext);
  const entry = entryFor(catalog, data);
  const category = entry?.category ?? "unknown";
  const errors = data.issues ?? [];
  const title = data.label || entry?.label || data.type;
  const showIds = useShowIds();
  const notSetUp = entry ? missingSettings(entry, data.config).length > 0 : false;
  const summary = entry && !notSetUp ? blockSummary(entry, data.config) : [];
  const channel = messageChannel(entry, data.config);
  const newer = upgradable(catalog, data) ? catalog.get(data.type)?.latest_version : undefined;
  const outcomes = channel && data.counts?.messages ? outcomeLines(data.counts.messages, channel) : [];
  const classes = ["block-node", `block-${category}`];
  if (selected) classes.push("selected");
  if (errors.length) classes.push("has-issues");
  if (data.highlight) classes.push(`highlight-${data.highlight}`);
  return (
    <div className={classes.join(" ")} data-node-id={id} data-block-type={data.type}>
      {category !== "trigger" && <Handle type="target" position={Position.Top} aria-hidden="true" title={t("canvas.block.connectHere")} />}
      <div className="block-head">
        <BlockIcon icon={entry?.icon} category={category} />
        <span className="block-title">{title}</span>
        {errors.length > 0 && (
          <span className="block-issues" title={errors.map((i) => problemWords(i)).join("\n")} role="img" aria-label={t("canvas.block.problems", { count: errors.length })}>
            {errors.length}
          </span>
        )}
        {newer !== undefined && (
          <span className="block-upgrade" title={t("canvas.block.upgrade", { latest: newer })} role="img" aria-label={t("canvas.block.upgrade", { latest: newer })}>
            <ArrowUpCircle size={14} aria-hidden="true" />
          </span>
        )}
      </div>
      <div className="block-sub">
        <span>{entry ? (data.label ? entry.label : entry.group) : t("canvas.block.unknown", { type: data.type })}</span>
        {showIds && <code>{id}</code>}
      </div>
      {notSetUp ? (
        <p className="block-setup" title={t("summary.setUpHint")}>{t("summary.setUp")}</p>
      ) : summary.length > 0 && (
        <div className="block-summary" data-testid="block-summary">{summary.map((line) => <div key={line}>{line}</div>)}</div>
      )}
      {data.counts && (
        <div className="block-counts" aria-label={t("live.countsLabel")}>
          <span title={t("live.entered")}><PlayIcon size={11} aria-hidden="true" /> {data.counts.entered}</span>
          {data.counts.waiting > 0 && <span title={t("live.waiting")}><PauseIcon size={11} aria-hidden="true" /> {data.counts.waiting}</span>}
        </div>
      )}
      {data.counts && channel && (
        <ul className="block-outcomes" aria-label={t("outcome.title")} data-testid="message-outcomes">
          {outcomes.length === 0 && <li className="muted">{t("outcome.none")}</li>}
          {outcomes.map((line) => <li key={line.text} className={`outcome-${line.tone}`}>{line.text}</li>)}
        </ul>
      )}
      {data.ports.length > 0 && (
        <div className="block-ports">
          {data.ports.map((port) => (
            <div className="block-port" key={port}>
              <span className="port-label">
                {portLabel(port)}
                {data.counts?.ports?.[port] !== undefined && <b className="port-count"> {data.counts.ports[port]}</b>}
              </span>
              <Handle
                type="source"
                position={Position.Bottom}
                id={port}
                className="port-handle"
                aria-hidden="true"  // mouse targets; the block's settings panel connects by keyboard
                title={t("canvas.block.dragPort", { port: portLabel(port) })}
              />
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

export const BlockNode = memo(BlockNodeView);
export const NODE_TYPES = { block: BlockNode };
