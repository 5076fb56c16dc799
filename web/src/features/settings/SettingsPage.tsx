// Account settings: the name and e-mail others see, the time zone notices and e-mails are written
// in, the password, calendar feeds and personal access tokens.
import { useState, type FormEvent } from "react";
import { Link } from "react-router";

import type { Schemas } from "../../api/client";
import { ApiError, describeError } from "../../api/problem";
import { Button } from "../../components/Button";
import { SelectField, TextField } from "../../components/Field";
import { useUser } from "../../lib/auth";
import { LIMITS, overLimit } from "../../lib/limits";
import { useChangePassword, useUpdateProfile } from "./api";
import { CalendarFeeds } from "./CalendarFeeds";
import { EmailVerification } from "./EmailVerification";
import { PersonalTokens } from "./PersonalTokens";
import { Saved, Section, SettingsLayout } from "./SettingsLayout";

const MIN_PASSWORD = 8;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The browser's own time zone (an IANA name), the choice offered until one is saved. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** Every IANA zone the browser knows, with `current` among them even if it does not. */
export function timeZones(current: string): string[] {
  const known = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return [...new Set([...known, "UTC", current])].sort();
}

export function SettingsPage() {
  return (
    <SettingsLayout>
      <ProfileForm />
      <PasswordForm />
      <CalendarFeeds />
      <PersonalTokens />
      <Section
        title="Notifications"
        description="Choose which notices reach you by e-mail, default reminders, and webhooks to your own services."
      >
        <Link
          to="/settings/notifications"
          className="inline-flex items-center gap-1 text-sm font-medium text-accent-600 underline-offset-2 hover:underline dark:text-accent-100"
        >
          Notification settings
          <span aria-hidden="true">→</span>
        </Link>
      </Section>
    </SettingsLayout>
  );
}

function ProfileForm() {
  const user = useUser();
  const update = useUpdateProfile();
  const [name, setName] = useState(user.display_name);
  const [email, setEmail] = useState(user.email);
  const [zone, setZone] = useState(user.time_zone ?? browserTimeZone());
  const [errors, setErrors] = useState<{ name?: string; email?: string; form?: string }>({});
  const nameTooLong = overLimit("The name", name.trim(), LIMITS.displayName);
  const [saved, setSaved] = useState<string | null>(null);

  function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(null);
    const found: typeof errors = {};
    if (!name.trim()) found.name = "Enter the name others see.";
    else if (nameTooLong) found.name = nameTooLong;
    if (!EMAIL.test(email.trim())) found.email = "Enter an e-mail address like name@example.com.";
    setErrors(found);
    if (found.name || found.email) return;
    const changes: Schemas["UserUpdate"] = {};
    if (name.trim() !== user.display_name) changes.display_name = name.trim();
    if (email.trim() !== user.email) changes.email = email.trim();
    // The API lists the zones it knows; the browser offers the same IANA names.
    if (zone !== user.time_zone) changes.time_zone = zone as Schemas["UserUpdate"]["time_zone"];
    update.mutate(changes, {
      onSuccess: (fresh) => {
        setName(fresh.display_name);
        setEmail(fresh.email);
        setZone(fresh.time_zone ?? browserTimeZone());
        setSaved(
          changes.email
            ? `Profile saved. We sent a link to ${fresh.email}: open it to verify the new address.`
            : "Profile saved.",
        );
      },
      onError: (error) => {
        if (error instanceof ApiError && error.status === 409) {
          setErrors({ email: "Another account uses this e-mail address already." });
        } else setErrors({ form: describeError(error) });
      },
    });
  }

  return (
    <Section title="Profile" description="How you appear to the people you work with.">
      <form onSubmit={submit} noValidate className="space-y-4">
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField
            label="Name"
            autoComplete="name"
            value={name}
            error={nameTooLong ?? errors.name}
            onChange={(event) => {
              setName(event.target.value);
              setSaved(null);
            }}
          />
          <TextField
            label="E-mail"
            type="email"
            autoComplete="email"
            value={email}
            error={errors.email}
            onChange={(event) => {
              setEmail(event.target.value);
              setSaved(null);
            }}
          />
        </div>
        <EmailVerification user={user} />
        <SelectField
          label="Time zone"
          hint={
            user.time_zone
              ? "Times in notices and e-mails are written in this zone; all-day due dates end at midnight here."
              : `Not saved yet: notices use UTC until you save. Your browser is in ${browserTimeZone()}.`
          }
          value={zone}
          onChange={(event) => {
            setZone(event.target.value);
            setSaved(null);
          }}
        >
          {timeZones(zone).map((name) => (
            <option key={name} value={name}>
              {name.replaceAll("_", " ")}
            </option>
          ))}
        </SelectField>
        {errors.form ? <FormError>{errors.form}</FormError> : null}
        <div className="flex flex-wrap items-center gap-3">
          <Button type="submit" disabled={update.isPending}>
            {update.isPending ? "Saving…" : "Save profile"}
          </Button>
          {saved ? <Saved>{saved}</Saved> : null}
        </div>
      </form>
    </Section>
  );
}

function PasswordForm() {
  const change = useChangePassword();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [errors, setErrors] = useState<{ current?: string; next?: string; form?: string }>({});
  const [changed, setChanged] = useState(false);

  function submit(event: FormEvent) {
    event.preventDefault();
    setChanged(false);
    const found: typeof errors = {};
    if (!current) found.current = "Enter the password you use now.";
    if (next.length < MIN_PASSWORD) found.next = `Use at least ${MIN_PASSWORD} characters.`;
    setErrors(found);
    if (found.current || found.next) return;
    change.mutate(
      { current_password: current, new_password: next },
      {
        onSuccess: () => {
          setCurrent("");
          setNext("");
          setChanged(true);
        },
        onError: (error) => {
          if (error instanceof ApiError && error.status === 403) {
            setErrors({ current: "The current password is wrong." });
          } else setErrors({ form: describeError(error) });
        },
      },
    );
  }

  return (
    <Section title="Password" description="Changing it signs you out everywhere else; you stay signed in here.">
      <form onSubmit={submit} noValidate className="space-y-4">
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField
            label="Current password"
            type="password"
            autoComplete="current-password"
            value={current}
            error={errors.current}
            onChange={(event) => setCurrent(event.target.value)}
          />
          <TextField
            label="New password"
            type="password"
            autoComplete="new-password"
            value={next}
            hint={`At least ${MIN_PASSWORD} characters.`}
            error={errors.next}
            onChange={(event) => setNext(event.target.value)}
          />
        </div>
        {errors.form ? <FormError>{errors.form}</FormError> : null}
        <div className="flex flex-wrap items-center gap-3">
          <Button type="submit" disabled={change.isPending}>
            {change.isPending ? "Changing…" : "Change password"}
          </Button>
          {changed ? <Saved>Password changed. Other devices have been signed out.</Saved> : null}
        </div>
      </form>
    </Section>
  );
}

function FormError({ children }: { children: string }) {
  return (
    <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
      {children}
    </p>
  );
}
