import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

import { App } from "./app/App";
// sonner's styles from the bundle, not inserted inline at run time (see vite.config.ts).
import "sonner/dist/styles.css";
import "./index.css";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root");
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
