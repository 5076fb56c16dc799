// The page an e-mail verification link opens: it sends the link's secret at once, signed in or
// not (the secret is the proof), and says whether the address is now verified.
import { useEffect, useRef, useState } from "react";
import { Link } from "react-router";

import { api } from "../../api/client";
import { describeError, unwrap } from "../../api/problem";
import { Spinner } from "../../components/States";
import { useSession } from "../../lib/auth";
import { AuthError, AuthFrame, AuthNotice, cardClass, linkClass } from "./AuthForm";
import { forgetHash, tokenFromHash } from "./links";

type Outcome = { state: "checking" } | { state: "verified"; email: string } | { state: "refused"; reason: string };

export function VerifyEmailPage() {
  const { status, setUser } = useSession();
  const [token] = useState(() => tokenFromHash(window.location.hash));
  const [outcome, setOutcome] = useState<Outcome>(() =>
    token
      ? { state: "checking" }
      : { state: "refused", reason: "The link is incomplete: open it from the e-mail again." },
  );
  // The link works once: a second send (React's development double effects) would be refused.
  const sent = useRef(false);

  useEffect(() => {
    forgetHash();
    if (!token || sent.current) return;
    sent.current = true;
    void (async () => {
      try {
        const verified = unwrap(await api.POST("/api/auth/verify-email", { body: { token } }));
        setOutcome({ state: "verified", email: verified.email });
      } catch (caught) {
        setOutcome({ state: "refused", reason: describeError(caught) });
      }
    })();
  }, [token]);

  // Signed in here: the account (and Settings' badge) shows the address as verified.
  const verified = outcome.state === "verified";
  useEffect(() => {
    if (!verified || status !== "signed-in") return;
    void api.GET("/api/auth/me").then(
      (result) => setUser(unwrap(result)),
      () => undefined,
    );
  }, [verified, status, setUser]);

  const signedIn = status === "signed-in";
  return (
    <AuthFrame
      title="Verify your e-mail address"
      subtitle="Notification e-mails start once your address is verified."
      footer={
        <Link to={signedIn ? "/" : "/signin"} className={linkClass}>
          {signedIn ? "Go to TaskFlow" : "Sign in"}
        </Link>
      }
    >
      <div className={cardClass}>
        {outcome.state === "checking" ? <Spinner label="Verifying your address" /> : null}
        {outcome.state === "verified" ? (
          <AuthNotice>
            <strong className="font-semibold">{outcome.email}</strong> is verified. Notification e-mails will reach you
            there.
          </AuthNotice>
        ) : null}
        {outcome.state === "refused" ? (
          <AuthError>
            {outcome.reason}{" "}
            {signedIn ? (
              <>
                Send a new link from{" "}
                <Link to="/settings" className="font-medium underline">
                  Settings
                </Link>
                .
              </>
            ) : (
              "Sign in to send a new link from Settings."
            )}
          </AuthError>
        ) : null}
      </div>
    </AuthFrame>
  );
}
