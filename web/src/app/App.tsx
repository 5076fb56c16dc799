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
      <Toaster position="bottom-right" richColors closeButton theme="system" />
    </QueryClientProvider>
  );
}
