/**
 * The causal model's DAG as SVG: variables in layers by their longest path
 * from the inputs, edges parent → child, and under each variable the network
 * site its neurons are aligned to. Colours come from CSS classes, so the
 * sidebar view styles them with theme variables and needs no script.
 */
import { escapeXml } from './charts';

export interface GraphNode {
  name: string;
  role: 'input' | 'output' | 'intermediate';
  parents: readonly string[];
  values?: string;
  /** e.g. "h1[0:1]" when aligned. */
  site?: string;
}

export interface GraphLayout {
  width: number;
  height: number;
  nodes: (GraphNode & { x: number; y: number; layer: number })[];
}

const NODE_W = 120;
const NODE_H = 40;
const GAP_X = 24;
const GAP_Y = 44;

export function layoutGraph(nodes: GraphNode[]): GraphLayout {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const d = (name: string): number => {
    if (depth.has(name)) return depth.get(name)!;
    if (visiting.has(name)) return 0; // A cycle cannot come from a valid causal model; do not recurse forever.
    visiting.add(name);
    const ps = (byName.get(name)?.parents ?? []).filter((p) => byName.has(p));
    const v = ps.length ? Math.max(...ps.map(d)) + 1 : 0;
    visiting.delete(name);
    depth.set(name, v);
    return v;
  };
  nodes.forEach((n) => d(n.name));
  const layers: GraphNode[][] = [];
  for (const n of nodes) (layers[depth.get(n.name)!] ??= []).push(n);
  const widest = Math.max(1, ...layers.map((l) => l?.length ?? 0));
  const width = widest * NODE_W + (widest + 1) * GAP_X;
  const out: GraphLayout['nodes'] = [];
  // Inputs at the bottom, outputs at the top, as in the paper's figures.
  const nl = layers.length;
  layers.forEach((layer, li) => {
    const rowW = layer.length * NODE_W + (layer.length - 1) * GAP_X;
    layer.forEach((n, i) =>
      out.push({
        ...n,
        layer: li,
        x: (width - rowW) / 2 + i * (NODE_W + GAP_X),
        y: GAP_Y / 2 + (nl - 1 - li) * (NODE_H + GAP_Y),
      }),
    );
  });
  return { width, height: nl * (NODE_H + GAP_Y), nodes: out };
}

/** `selected`: the variable picked in the sidebar, drawn highlighted (class `selected`). */
export function graphSvg(nodes: GraphNode[], selected?: string): string {
  const g = layoutGraph(nodes);
  const at = new Map(g.nodes.map((n) => [n.name, n]));
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="causal-graph" width="${g.width}" height="${g.height}" viewBox="0 0 ${g.width} ${g.height}">`,
  );
  parts.push(
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="arrowhead" d="M0,0 L10,5 L0,10 z"/></marker></defs>',
  );
  for (const n of g.nodes) {
    for (const p of n.parents) {
      const a = at.get(p);
      if (!a) continue;
      parts.push(
        `<line class="edge" x1="${a.x + NODE_W / 2}" y1="${a.y}" x2="${n.x + NODE_W / 2}" y2="${n.y + NODE_H}" marker-end="url(#arrow)"/>`,
      );
    }
  }
  for (const n of g.nodes) {
    const cls = `${n.site ? ' aligned' : ''}${n.name === selected ? ' selected' : ''}`;
    parts.push(`<g class="node ${n.role}${cls}" data-variable="${escapeXml(n.name)}">`);
    parts.push(
      `<title>${escapeXml(`${n.name} (${n.role})${n.values ? `: ${n.values}` : ''}${n.site ? ` ↔ ${n.site}` : ''}`)}</title>`,
    );
    parts.push(`<rect x="${n.x}" y="${n.y}" width="${NODE_W}" height="${NODE_H}" rx="6"/>`);
    parts.push(
      `<text class="name" x="${n.x + NODE_W / 2}" y="${n.y + (n.site ? 16 : 24)}" text-anchor="middle">${escapeXml(n.name)}</text>`,
    );
    if (n.site)
      parts.push(
        `<text class="site" x="${n.x + NODE_W / 2}" y="${n.y + 32}" text-anchor="middle">↔ ${escapeXml(n.site)}</text>`,
      );
    parts.push('</g>');
  }
  parts.push('</svg>');
  return parts.join('');
}
