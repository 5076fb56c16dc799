import { QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { RouterProvider } from "react-router";
import { Toaster } from "sonner";

import { SessionProvider } from "../lib/auth";
import { createQueryClient } from "../lib/queryClient";
import { router } from "./routes";

export function App() {
  const [queryClient] = useState(createQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        <RouterProvider router={router} />
      </SessionProvider>
      {/* Bottom left: the task panel, and its Save, take the right-hand side. */}
      <Toaster position="bottom-left" richColors closeButton theme="system" />
    </QueryClientProvider>
  );
}
