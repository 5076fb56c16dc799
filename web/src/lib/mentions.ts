// The @mention being typed: where it starts, what follows the "@" so far, who it may mean, and
// the text once a person is chosen ("@Display Name ", as the server resolves it).

export interface Mentionable {
  user_id: string;
  display_name: string;
  email?: string;
}

export interface MentionQuery {
  /** Index of the "@". */
  start: number;
  /** What follows it up to the caret. */
  query: string;
}

// Names have spaces, so the query may too; a line break or another "@" ends it.
const MAX_QUERY = 60;

/** The mention the caret is in, if any: an "@" at a word's start with no line break after it. */
export function mentionAt(text: string, caret: number): MentionQuery | undefined {
  const before = text.slice(0, caret);
  const at = before.lastIndexOf("@");
  if (at < 0 || caret - at - 1 > MAX_QUERY) return undefined;
  const previous = at > 0 ? before.charAt(at - 1) : "";
  if (previous && !/[\s([{"'“‘]/u.test(previous)) return undefined;
  const query = before.slice(at + 1);
  if (/[\n@]/.test(query) || query.startsWith(" ")) return undefined;
  return { start: at, query };
}

/** Members the query may mean: names starting with it first, then a later word or the address. */
export function mentionMatches<T extends Mentionable>(members: readonly T[], query: string, limit = 8): T[] {
  const wanted = query.toLocaleLowerCase();
  const ranked: [number, T][] = [];
  for (const member of members) {
    const name = member.display_name.toLocaleLowerCase();
    let rank: number | undefined;
    if (name.startsWith(wanted)) rank = 0;
    else if (name.split(/\s+/).some((word) => word.startsWith(wanted))) rank = 1;
    else if (member.email?.toLocaleLowerCase().startsWith(wanted)) rank = 2;
    if (rank !== undefined) ranked.push([rank, member]);
  }
  ranked.sort(([a, x], [b, y]) => a - b || x.display_name.localeCompare(y.display_name));
  return ranked.slice(0, limit).map(([, member]) => member);
}

/** The text with the mention replaced by "@Display Name ", and where the caret goes after it. */
export function insertMention(
  text: string,
  mention: MentionQuery,
  caret: number,
  name: string,
): { text: string; caret: number } {
  const inserted = `@${name} `;
  const rest = text.slice(caret).replace(/^ /, "");
  return { text: text.slice(0, mention.start) + inserted + rest, caret: mention.start + inserted.length };
}
