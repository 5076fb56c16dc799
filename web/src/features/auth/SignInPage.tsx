import { useState } from "react";
import { Link, useLocation, useNavigate } from "react-router";

import { describeError } from "../../api/problem";
import { TextField } from "../../components/Field";
import { useSession } from "../../lib/auth";
import { AuthCard, linkClass } from "./AuthForm";

export function SignInPage() {
  const { signIn } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // `from`: the page that sent here; `notice`: news from the page before (a password reset).
  const state = location.state as { from?: string; notice?: string } | null;
  const from = state?.from ?? "/";

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
      notice={state?.notice}
      error={error}
      busy={busy}
      submit="Sign in"
      onSubmit={() => void submit()}
      footer={
        <>
          New here?{" "}
          <Link to="/signup" className={linkClass}>
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
      <p className="-mt-2 text-right text-sm">
        <Link to="/forgot-password" className={linkClass}>
          Forgot password?
        </Link>
      </p>
    </AuthCard>
  );
}
