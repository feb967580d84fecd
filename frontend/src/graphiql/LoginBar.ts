/**
 * The log-in box above GraphiQL: username and password → `login` → a token for this street
 * (sessionStorage), or, when logged in, who it is and a log-out button that revokes the token.
 * Written with `createElement` (no JSX toolchain for one small component).
 */
import { createElement as h, useState, useSyncExternalStore, type FormEvent } from "react";
import { config } from "@/config";
import { logIn, logOut, onSessionChange, session, expiredNotice } from "./session";

/** The bar: a log-in form, or the logged-in account with a log-out button. */
export function LoginBar() {
  const current = useSyncExternalStore(onSessionChange, session);
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const shown = error ?? expiredNotice();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const failure = await logIn(username, password);
    setBusy(false);
    setError(failure);
    if (!failure) setPassword("");
  };

  const title = h("h1", { className: "jiedao-title" }, `GraphiQL · ${config.name}`);
  if (current) {
    return h(
      "header",
      { className: "jiedao-bar", id: "graphiql-session" },
      title,
      h("span", { id: "graphiql-user", "data-username": current.username }, `已登录 Logged in: ${current.username}`),
      h("button", { type: "button", id: "graphiql-logout", onClick: () => void logOut().then(() => location.reload()) }, "退出 Log out"),
    );
  }
  return h(
    "header",
    { className: "jiedao-bar" },
    title,
    h(
      "form",
      { id: "graphiql-login", onSubmit: submit, "aria-label": "登录 Log in" },
      h("label", { htmlFor: "graphiql-username" }, "用户名 Username"),
      h("input", { id: "graphiql-username", autoComplete: "username", value: username, onChange: (e: any) => setUsername(e.target.value) }),
      h("label", { htmlFor: "graphiql-password" }, "密码 Password"),
      h("input", {
        id: "graphiql-password",
        type: "password",
        autoComplete: "current-password",
        value: password,
        onChange: (e: any) => setPassword(e.target.value),
      }),
      h("button", { type: "submit", id: "graphiql-login-submit", disabled: busy }, "登录 Log in"),
    ),
    shown ? h("span", { id: "graphiql-login-error", role: "alert" }, shown) : null,
  );
}
