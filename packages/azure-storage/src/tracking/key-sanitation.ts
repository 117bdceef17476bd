/**
 * DTF's table key escaping (DT.AS `KeySanitation`; docs/storage-layout.md#keys): instance ids become
 * PartitionKeys of the History and Instances tables. `^`→`^^`, `/`→`^0`, `\`→`^1`, `#`→`^2`, `?`→`^3`, and
 * each control character U+0000–U+001F / U+007F–U+009F → `^` + the character U+00C0 + code. Everything else
 * is kept, case included.
 */
const ESCAPES: Record<string, string> = { "^": "^^", "/": "^0", "\\": "^1", "#": "^2", "?": "^3" };
const UNESCAPES: Record<string, string> = { "^": "^", "0": "/", "1": "\\", "2": "#", "3": "?" };

export function escapePartitionKey(key: string): string {
  let out = "";
  for (const ch of key) {
    const code = ch.codePointAt(0)!;
    const escaped = ESCAPES[ch];
    if (escaped) out += escaped;
    else if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) out += "^" + String.fromCharCode(0xc0 + code);
    else out += ch;
  }
  return out;
}

export function unescapePartitionKey(key: string): string {
  let out = "";
  for (let i = 0; i < key.length; i++) {
    const ch = key[i]!;
    if (ch !== "^" || i + 1 >= key.length) {
      out += ch;
      continue;
    }
    const next = key[++i]!;
    const plain = UNESCAPES[next];
    if (plain !== undefined) out += plain;
    else out += String.fromCharCode(next.charCodeAt(0) - 0xc0);
  }
  return out;
}

/** An OData string literal for a table filter: quoted, with single quotes doubled. */
export function odataString(v: string): string {
  return `'${v.replaceAll("'", "''")}'`;
}

/** The filter for every row of an instance's partition. */
export function partitionFilter(instanceId: string): string {
  return `PartitionKey eq ${odataString(escapePartitionKey(instanceId))}`;
}
