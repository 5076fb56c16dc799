// Stands in for @radix-ui/react-dialog in the build (vite.config.ts): cmdk imports it only for
// Command.Dialog, which TaskFlow does not use (the palette is a native <dialog>), and the bundle
// would otherwise carry about 11 kB (gzipped) of it. Using any of these fails loudly.
function unused(): never {
  throw new Error("@radix-ui/react-dialog is left out of the build: use the native <dialog> (components/Dialog)");
}

export const Root = unused;
export const Portal = unused;
export const Overlay = unused;
export const Content = unused;
export const Title = unused;
export const Description = unused;
export const Trigger = unused;
export const Close = unused;
