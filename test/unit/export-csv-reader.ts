/** A strict RFC 4180 reader for the CSV export tests: what we write must read back the same. */
import assert from 'node:assert/strict';

export function parseCsv(s: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let f = '';
  let q = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q) {
      if (c === '"' && s[i + 1] === '"') {
        f += '"';
        i++;
      } else if (c === '"') q = false;
      else f += c;
    } else if (c === '"') {
      assert.equal(f, '', 'quote inside an unquoted field');
      q = true;
    } else if (c === ',') {
      row.push(f);
      f = '';
    } else if (c === '\r' && s[i + 1] === '\n') {
      row.push(f);
      rows.push(row);
      row = [];
      f = '';
      i++;
    } else {
      assert.ok(c !== '\n' && c !== '\r', 'bare line break outside quotes');
      f += c;
    }
  }
  assert.equal(q, false, 'unterminated quote');
  assert.equal(f + row.join(''), '', 'last record not terminated by CRLF');
  return rows;
}
