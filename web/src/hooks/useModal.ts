// Open state for a modal that is mounted only while open, so a late native "close" event
// from an earlier opening cannot shut a fresh one; focus goes back to the opener after.
import { useCallback, useRef, useState } from "react";

export function useModal() {
  const [open, setOpen] = useState(false);
  const opener = useRef<HTMLElement | null>(null);
  const show = useCallback(() => {
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setOpen(true);
  }, []);
  const hide = useCallback(() => {
    setOpen(false);
    const back = opener.current;
    if (back?.isConnected) requestAnimationFrame(() => back.focus());
  }, []);
  return { open, show, hide };
}
