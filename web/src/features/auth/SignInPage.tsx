import { useState } from "react";
import { Link, useLocation, useNavigate } from "react-router";

import { describeError } from "../../api/problem";
import { TextField } from "../../components/Field";
import { useSession } from "../../lib/auth";
import { AuthCard } from "./AuthForm";

export function SignInPage() {
  const { signIn } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const from = (location.state as { from?: string } | null)?.from ?? "/";

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      await signIn(email.trim(), password);
      void navigate(from, { replace: true });
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthCard
      title="Sign in to TaskFlow"
      subtitle="Welcome back."
      error={error}
      busy={busy}
      submit="Sign in"
      onSubmit={() => void submit()}
      footer={
        <>
          New here?{" "}
          <Link to="/signup" className="font-medium text-accent-600 hover:underline dark:text-accent-500">
            Create an account
          </Link>
        </>
      }
    >
      <TextField
        label="E-mail"
        type="email"
        autoComplete="email"
        required
        value={email}
        onChange={(e) => setEmail(e.target.value)}
      />
      <TextField
        label="Password"
        type="password"
        autoComplete="current-password"
        required
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
    </AuthCard>
  );
}
