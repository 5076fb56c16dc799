import { afterEach, describe, expect, it } from "vitest";

import { forgetHash, newPasswordProblem, tokenFromHash } from "./links";

describe("tokenFromHash", () => {
  it("reads the token after #token=", () => {
    expect(tokenFromHash("#token=abc-DEF_123")).toBe("abc-DEF_123");
  });

  it("decodes a percent-encoded token and ignores other parts", () => {
    expect(tokenFromHash("#from=mail&token=a%2Bb%3D")).toBe("a+b=");
  });

  it("is null without a token", () => {
    expect(tokenFromHash("")).toBeNull();
    expect(tokenFromHash("#")).toBeNull();
    expect(tokenFromHash("#token=")).toBeNull();
    expect(tokenFromHash("#other=1")).toBeNull();
  });
});

describe("forgetHash", () => {
  afterEach(() => window.history.replaceState(null, "", "/"));

  it("removes the fragment from the address and keeps the path, query and history state", () => {
    window.history.replaceState({ key: "k1" }, "", "/reset-password?x=1#token=secret");
    forgetHash();
    expect(window.location.href).toBe(`${window.location.origin}/reset-password?x=1`);
    expect(window.history.state).toEqual({ key: "k1" });
  });
});

describe("newPasswordProblem", () => {
  it("asks for at least 8 characters", () => {
    expect(newPasswordProblem("short", "short")).toEqual({ password: "Use at least 8 characters." });
  });

  it("asks for the same password twice", () => {
    expect(newPasswordProblem("long enough", "long enougH")).toEqual({
      repeated: "The two passwords are not the same.",
    });
  });

  it("refuses more than the API accepts", () => {
    const long = "x".repeat(1025);
    expect(newPasswordProblem(long, long)).toEqual({ password: "Use at most 1024 characters." });
  });

  it("accepts a long enough password repeated exactly", () => {
    expect(newPasswordProblem("long enough", "long enough")).toBeNull();
  });
});
