/**
 * A strict little XML well-formedness checker for the SVG tests (no XML
 * parser ships with Node): balanced tags, quoted attributes, no duplicate
 * attributes, only the five predefined entities or numeric references.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export function parseXml(src: string): XmlElement {
  let i = 0;
  const s = src.replace(/^<\?xml[^?]*\?>\s*/, '');
  const fail = (msg: string): never => {
    throw new Error(`${msg} at offset ${i}: ${JSON.stringify(s.slice(Math.max(0, i - 30), i + 30))}`);
  };
  const decode = (t: string) => {
    if (/&(?!(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(t)) fail('bad entity');
    if (t.includes('<')) fail('raw < in text');
    return t
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');
  };
  const parseElement = (): XmlElement => {
    if (s[i] !== '<') fail('expected <');
    i++;
    const name = /^[A-Za-z_][\w:.-]*/.exec(s.slice(i))?.[0] ?? fail('bad tag name');
    i += name.length;
    const attrs: Record<string, string> = {};
    for (;;) {
      const ws = /^\s*/.exec(s.slice(i))![0];
      i += ws.length;
      if (s.startsWith('/>', i)) {
        i += 2;
        return { name, attrs, children: [], text: '' };
      }
      if (s[i] === '>') {
        i++;
        break;
      }
      if (!ws) fail('attributes must be separated by space');
      const m = /^([A-Za-z_][\w:.-]*)="([^"<]*)"/.exec(s.slice(i)) ?? fail('bad attribute');
      if (m[1]! in attrs) fail(`duplicate attribute ${m[1]}`);
      attrs[m[1]!] = decode(m[2]!);
      i += m[0].length;
    }
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      if (i >= s.length) fail(`unclosed <${name}>`);
      if (s.startsWith('</', i)) {
        const m = /^<\/([A-Za-z_][\w:.-]*)\s*>/.exec(s.slice(i)) ?? fail('bad close tag');
        if (m[1] !== name) fail(`</${m[1]}> closes <${name}>`);
        i += m[0].length;
        return { name, attrs, children, text };
      }
      if (s[i] === '<') children.push(parseElement());
      else {
        const end = s.indexOf('<', i);
        text += decode(s.slice(i, end < 0 ? s.length : end));
        i = end < 0 ? s.length : end;
      }
    }
  };
  const rootEl = parseElement();
  if (s.slice(i).trim()) fail('content after the root element');
  return rootEl;
}

export function findAll(e: XmlElement, pred: (x: XmlElement) => boolean, out: XmlElement[] = []): XmlElement[] {
  if (pred(e)) out.push(e);
  for (const c of e.children) findAll(c, pred, out);
  return out;
}

/** Text of an element and its descendants. */
export function textOf(e: XmlElement): string {
  return e.text + e.children.map(textOf).join('');
}
