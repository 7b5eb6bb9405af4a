/** Parses PostgreSQL's record text (`ROW(...)::text`, what the change log stores) into field texts. */

/**
 * Splits `(a,"b c",,"")` into `['a', 'b c', null, '']`. Per record_out: an empty unquoted field is
 * NULL; a quoted field doubles `"` and `\`; a backslash outside quotes escapes the next character.
 *
 * @example parseRecordText('(1,"{a,b}",)') // ['1', '{a,b}', null]
 */
export function parseRecordText(text: string): (string | null)[] {
  if (text[0] !== '(' || text[text.length - 1] !== ')') throw new Error('not a record literal');
  const out: (string | null)[] = [];
  let i = 1;
  const end = text.length - 1;
  for (;;) {
    let value = '';
    let quotedOrSeen = false;
    while (i < end && text[i] !== ',') {
      const ch = text[i]!;
      if (ch === '"') {
        quotedOrSeen = true;
        i++;
        for (;;) {
          const q = text[i];
          if (q === undefined) throw new Error('unterminated quote in record literal');
          if (q === '\\') {
            value += text[i + 1] ?? '';
            i += 2;
          } else if (q === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
            } else {
              i++;
              break;
            }
          } else {
            value += q;
            i++;
          }
        }
      } else if (ch === '\\') {
        quotedOrSeen = true;
        value += text[i + 1] ?? '';
        i += 2;
      } else {
        quotedOrSeen = true;
        value += ch;
        i++;
      }
    }
    out.push(quotedOrSeen ? value : null);
    if (i >= end) break;
    i++; // the comma
  }
  return out;
}
