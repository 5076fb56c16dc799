import { useState } from "react";
import { Link, useNavigate } from "react-router";

import { describeError } from "../../api/problem";
import { TextField } from "../../components/Field";
import { useSession } from "../../lib/auth";
import { AuthCard } from "./AuthForm";
import { MIN_PASSWORD } from "./links";

export function SignUpPage() {
  const { signUp } = useSession();
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit() {
    if (password.length < MIN_PASSWORD) {
      setError(`Choose a password of at least ${MIN_PASSWORD} characters.`);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await signUp(email.trim(), password, name.trim());
      void navigate("/", { replace: true });
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthCard
      title="Create your TaskFlow account"
      subtitle="Projects, tasks and live notifications for your team."
      error={error}
      busy={busy}
      submit="Create account"
      onSubmit={() => void submit()}
      footer={
        <>
          Already have an account?{" "}
          <Link to="/signin" className="font-medium text-accent-600 hover:underline dark:text-accent-500">
            Sign in
          </Link>
        </>
      }
    >
      <TextField label="Name" autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} />
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
        autoComplete="new-password"
        required
        hint={`At least ${MIN_PASSWORD} characters.`}
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
    </AuthCard>
  );
}
