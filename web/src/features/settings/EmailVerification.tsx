// Whether the account's address is verified, and a new link when it is not: notification
// e-mails go only to a verified address.
import { toast } from "sonner";

import { ApiError, describeError } from "../../api/problem";
import { Button } from "../../components/Button";
import type { User } from "../../lib/auth";
import { useResendVerification } from "./api";

export function EmailVerification({ user }: { user: User }) {
  const resend = useResendVerification();
  const verified = user.email_verified;

  function send() {
    resend.mutate(undefined, {
      onSuccess: () => toast.success(`A new link is on its way to ${user.email}.`),
      onError: (error) =>
        error instanceof ApiError && error.status === 409
          ? toast.success(`${user.email} is verified already.`)
          : toast.error(describeError(error)),
    });
  }

  return (
    <div className="flex flex-wrap items-center gap-x-3 gap-y-2 text-sm">
      <span>{verified ? "Your address is verified." : "Your address is not verified yet."}</span>
      <span
        className={`rounded-full px-2 py-0.5 text-xs font-medium ${
          verified
            ? "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200"
            : "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200"
        }`}
      >
        {verified ? "Verified" : "Not verified"}
      </span>
      {verified ? null : (
        <>
          <p className="basis-full text-ink-soft">
            Notification e-mails start once you open the link we sent to this address.
          </p>
          <Button variant="secondary" disabled={resend.isPending} onClick={send}>
            {resend.isPending ? "Sending…" : "Send the link again"}
          </Button>
        </>
      )}
    </div>
  );
}
