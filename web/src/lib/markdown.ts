// Markdown to safe HTML, the same rules the server's e-mails follow: CommonMark + GFM by marked,
// raw HTML shown as text, then DOMPurify keeps only the tags below and links to web and mail
// addresses, each opening in a new tab with rel="noopener noreferrer nofollow". Images become
// links (the page's Content-Security-Policy loads no image from another origin), and members'
// @names are marked as mentions.
import createDOMPurify from "dompurify";
import { Marked, type Tokens } from "marked";

export const LINK_REL = "noopener noreferrer nofollow";

// What a mention looks like; whole utility names, so the stylesheet build sees them here.
export const MENTION_CLASS =
  "mention rounded bg-accent-100 px-0.5 font-medium text-accent-700 dark:bg-accent-500/25 dark:text-accent-100";

const ALLOWED_TAGS = [
  "a",
  "blockquote",
  "br",
  "code",
  "del",
  "em",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "hr",
  "li",
  "ol",
  "p",
  "pre",
  "span",
  "strong",
  "table",
  "tbody",
  "td",
  "th",
  "thead",
  "tr",
  "ul",
];
const ALLOWED_ATTR = ["href", "title", "class", "align", "start"];
// Web and mail addresses, and paths or anchors on this site; anything else (javascript:, data:,
// vbscript:, file:) loses its href.
const SAFE_URL = /^(?:(?:https?|mailto):|[/#])/i;

const escapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => escapes[char] ?? char);

const WORD_CHAR = /[\p{L}\p{N}_]/u;
const MENTION_START = /(^|[^\p{L}\p{N}_.!#$%&'*+/=?`{|}~-])@/u;

/** The longest handle (a name or an address) that `text` starts with after its "@", if any. */
export function matchMention(text: string, handles: readonly string[]): string | undefined {
  if (!text.startsWith("@")) return undefined;
  const rest = text.slice(1).toLocaleLowerCase();
  let best: string | undefined;
  for (const handle of handles) {
    if (!handle || (best && handle.length <= best.length)) continue;
    if (!rest.startsWith(handle.toLocaleLowerCase())) continue;
    const after = text.charAt(handle.length + 1);
    if (after && WORD_CHAR.test(after)) continue;
    best = text.slice(1, handle.length + 1);
  }
  return best;
}

// The members' handles for the parse under way (parsing is synchronous, one at a time).
let handles: readonly string[] = [];

const marked = new Marked({
  gfm: true,
  breaks: true,
  renderer: {
    html: ({ text }: Tokens.HTML | Tokens.Tag) => escapeHtml(text),
    image: ({ href, text }: Tokens.Image) => `<a href="${escapeHtml(href)}">${escapeHtml(text || href)}</a>`,
    checkbox: ({ checked }: Tokens.Checkbox) => (checked ? "☑ " : "☐ "),
  },
  extensions: [
    {
      name: "mention",
      level: "inline",
      // An "@" that starts a word: the one inside ana@example.com stays the address's.
      start: (src: string) => {
        const found = MENTION_START.exec(src);
        return found ? found.index + (found[1] ?? "").length : undefined;
      },
      tokenizer: (src: string) => {
        const handle = matchMention(src, handles);
        return handle ? { type: "mention", raw: `@${handle}`, text: handle } : undefined;
      },
      renderer: (token) => `<span class="${MENTION_CLASS}">@${escapeHtml(String(token.text))}</span>`,
    },
  ],
});

let purifier: ReturnType<typeof createDOMPurify> | undefined;

function purify(html: string): string {
  if (!purifier) {
    purifier = createDOMPurify(window);
    purifier.addHook("afterSanitizeAttributes", (node) => {
      if (node.tagName !== "A") return;
      if (!node.getAttribute("href")) {
        node.removeAttribute("href");
        return;
      }
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", LINK_REL);
    });
  }
  return purifier.sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOWED_URI_REGEXP: SAFE_URL,
    ALLOW_DATA_ATTR: false,
  });
}

/** The sanitised HTML for `source`; `mentionable` holds the names (and addresses) to mark as mentions. */
export function renderMarkdown(source: string, mentionable: readonly string[] = []): string {
  handles = mentionable;
  try {
    return purify(marked.parse(source, { async: false }));
  } finally {
    handles = [];
  }
}
