// A comment or a description as Markdown: rendered and sanitised by lib/markdown (loaded on first
// use, so the first page does not wait for it; until then the text shows as written).
import { useEffect, useMemo, useState } from "react";

type Renderer = typeof import("../lib/markdown");

let loaded: Renderer | undefined;
let loading: Promise<Renderer> | undefined;

function loadRenderer(): Promise<Renderer> {
  loading ??= import("../lib/markdown").then((module) => (loaded = module));
  return loading;
}

interface MarkdownProps {
  source: string;
  /** Members' display names (and addresses) whose @mentions are highlighted. */
  mentionable?: readonly string[];
  className?: string;
}

export function Markdown({ source, mentionable, className = "" }: MarkdownProps) {
  const [renderer, setRenderer] = useState<Renderer | undefined>(loaded);
  useEffect(() => {
    if (renderer) return;
    let live = true;
    void loadRenderer().then((module) => {
      if (live) setRenderer(module);
    });
    return () => {
      live = false;
    };
  }, [renderer]);

  const html = useMemo(() => renderer?.renderMarkdown(source, mentionable), [renderer, source, mentionable]);

  if (html === undefined) {
    return <div className={`markdown whitespace-pre-wrap break-words ${className}`}>{source}</div>;
  }
  // Sanitised by DOMPurify in renderMarkdown: only the tags and addresses it allows remain.
  return <div className={`markdown break-words ${className}`} dangerouslySetInnerHTML={{ __html: html }} />;
}
