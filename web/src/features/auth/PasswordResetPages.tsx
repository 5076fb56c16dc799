// Forgot password: ask for a link by e-mail; the link's page sets a new password. Both work
// signed out (the router keeps them outside its guards); each loads when first shown.
import { useEffect, useState } from "react";
import { Link, useNavigate } from "react-router";

import { api } from "../../api/client";
import { ApiError, describeError, unwrap } from "../../api/problem";
import { TextField } from "../../components/Field";
import { forget } from "../../lib/session";
import { AuthCard, AuthError, AuthFrame, cardClass, linkClass } from "./AuthForm";
import { MIN_PASSWORD, forgetHash, newPasswordProblem, tokenFromHash } from "./links";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const PASSWORD_CHANGED =
  "Password changed; sign in with the new one. Every device that was signed in to your account has been signed out.";

function AskAgain({ children = "Ask for a new link" }: { children?: string }) {
  return (
    <Link to="/forgot-password" className={linkClass}>
      {children}
    </Link>
  );
}

export function ForgotPasswordPage() {
  const [email, setEmail] = useState("");
  const [invalid, setInvalid] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit() {
    setInvalid(EMAIL.test(email.trim()) ? undefined : "Enter an e-mail address like name@example.com.");
    if (!EMAIL.test(email.trim())) return;
    setBusy(true);
    setError(null);
    setSent(null);
    try {
      // The same answer whether or not an account uses the address.
      setSent(unwrap(await api.POST("/api/auth/password-reset", { body: { email: email.trim() } })).detail);
    } catch (caught) {
      setError(
        caught instanceof ApiError && caught.status === 429
          ? "Too many links were asked for from here or for this address. Wait a few minutes, then try again."
          : describeError(caught),
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthCard
      title="Forgot your password?"
      subtitle="We e-mail you a link to choose a new one."
      notice={sent ? `${sent} Check your inbox (and spam folder); the link works once, for an hour.` : null}
      error={error}
      busy={busy}
      submit={sent ? "Send the link again" : "Send me a link"}
      onSubmit={() => void submit()}
      footer={
        <>
          Remembered it?{" "}
          <Link to="/signin" className={linkClass}>
            Sign in
          </Link>
        </>
      }
    >
      <TextField
        label="E-mail"
        type="email"
        autoComplete="email"
        required
        autoFocus
        value={email}
        error={invalid}
        onChange={(e) => setEmail(e.target.value)}
      />
    </AuthCard>
  );
}

export function ResetPasswordPage() {
  const navigate = useNavigate();
  // Read once; the effect below then takes the secret out of the address bar.
  const [token] = useState(() => tokenFromHash(window.location.hash));
  const [password, setPassword] = useState("");
  const [repeated, setRepeated] = useState("");
  const [invalid, setInvalid] = useState<{ password?: string; repeated?: string }>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => forgetHash(), []);

  async function submit() {
    const problem = newPasswordProblem(password, repeated);
    setInvalid(problem ?? {});
    if (problem || !token) return;
    setBusy(true);
    setError(null);
    try {
      unwrap(await api.POST("/api/auth/password-reset/complete", { body: { token, password } }));
      // Every session of the account has ended, this tab's too.
      forget();
      void navigate("/signin", { replace: true, state: { notice: PASSWORD_CHANGED } });
    } catch (caught) {
      setError(describeError(caught));
      setBusy(false);
    }
  }

  const footer = (
    <>
      Link expired? <AskAgain>Ask for a new one</AskAgain>
    </>
  );
  const title = "Choose a new password";
  if (!token) {
    return (
      <AuthFrame title={title} subtitle="This page opens from the link in a password reset e-mail." footer={footer}>
        <div className={cardClass}>
          <AuthError>
            The link is incomplete: open it from the e-mail again, or <AskAgain>ask for a new one</AskAgain>.
          </AuthError>
        </div>
      </AuthFrame>
    );
  }
  return (
    <AuthCard
      title={title}
      subtitle="Signing in afterwards uses the new one; every device signed in now is signed out."
      error={
        error ? (
          <>
            <p>{error}</p>
            <p className="mt-2">
              <AskAgain />
            </p>
          </>
        ) : null
      }
      busy={busy}
      submit="Change password"
      onSubmit={() => void submit()}
      footer={footer}
    >
      <TextField
        label="New password"
        type="password"
        autoComplete="new-password"
        required
        hint={`At least ${MIN_PASSWORD} characters.`}
        error={invalid.password}
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <TextField
        label="Repeat the new password"
        type="password"
        autoComplete="new-password"
        required
        error={invalid.repeated}
        value={repeated}
        onChange={(e) => setRepeated(e.target.value)}
      />
    </AuthCard>
  );
}
